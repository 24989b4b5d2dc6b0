function Submit-EntraSyncChange {
    <#
    .SYNOPSIS
        Submits Active Directory changes to entra-sync-trigger and returns the accepted request.

    .DESCRIPTION
        One change (a joiner by UPN, objectGUID or distinguished name, or any other kind), or a batch of changes
        from the pipeline or -Change, asking for a Delta (default) or an Initial cycle. The service coalesces it with
        everyone else's changes into as few cycles as possible and answers at once with the request; follow it with
        Wait-EntraSyncRequest (pipe it) or Get-EntraSyncRequest.

        Every submit carries an Idempotency-Key: the one given with -IdempotencyKey, else a new GUID. A transient
        failure (no answer, 429, 5xx) is retried -RetryCount times with the same key and body, so a submit whose
        answer was lost is replayed, not counted twice (the result then has duplicate and Replayed true). To retry
        later, from another process, pass the result's IdempotencyKey again with the same changes.

        Initial asks for a full import and sync on every connector (hours on a large directory): it goes to the
        full-sync endpoint, api/sync/initial-requests, which has function keys of its own, and is limited to one per
        target per INITIAL_MIN_INTERVAL_SECONDS (429 INITIAL_RATE_LIMITED, transient, with Retry-After).

        Errors are terminating, with the problem's code and detail in the message and in Exception.Data (Code,
        Detail, Status, 'Idle.IsTransient'); see about the error shape in docs/API.md, "Problem details".

    .PARAMETER Kind
        The change kind: joiner (default), mover, leaver, attribute, group, password or manual (a cycle with no
        object: give -Target). For a batch, the kind of every change that names none. Joiners and password changes
        are urgent unless -Urgent:$false.

    .PARAMETER Upn
        The user principal name (also routes the change by its UPN suffix).

    .PARAMETER ObjectGuid
        The AD objectGUID. With ENTRA_CONFIRMATION=on the service confirms the object in Entra ID by its
        anchor (onPremisesImmutableId), which a UPN change cannot fool.

    .PARAMETER DistinguishedName
        The distinguished name (routes by DN suffix). A DN alone is not confirmed in Entra ID.

    .PARAMETER ChangeId
        Your own id of the change (the API's id field), for telemetry.

    .PARAMETER Change
        A batch: hashtables or objects with the API's change fields (kind, upn, objectId, distinguishedName, id,
        target, domain, urgent; UserPrincipalName and ObjectGuid are taken too, so Get-ADUser output pipes in).
        Taken from the pipeline; all of them are submitted as one request when the pipeline ends.

    .PARAMETER Target
        The sync target (its id in SYNC_TARGETS). Without it the service routes by UPN suffix, domain or DN.

    .PARAMETER Policy
        Delta (default) or Initial.

    .PARAMETER Urgent
        Overrides the default urgency: -Urgent starts the cycle within SYNC_URGENT_MAX_WAIT_SECONDS, -Urgent:$false
        lets a joiner wait for the normal quiet period.

    .PARAMETER IdempotencyKey
        1 to 255 of A-Z a-z 0-9 . _ : ~ + / = -. The same key with the same changes returns the original request;
        with other changes it is an error (422 IDEMPOTENCY_KEY_REUSED). Default: a new GUID.

    .PARAMETER CorrelationId
        Your run's id (a GUID or 32 hex digits are kept as they are, other text is hashed): sent as the trace id of
        a traceparent header, it becomes the request's correlationId, passed to the runbook and in every telemetry
        record.

    .PARAMETER RetryCount
        How often a transient failure is retried with the same key (default 2; 0 for none).

    .PARAMETER Connection
        From New-EntraSyncConnection; default: the one Connect-EntraSync set.

    .EXAMPLE
        Submit-EntraSyncChange -Upn new.starter@contoso.com | Wait-EntraSyncRequest

        A joiner, awaited until its cycle has ended (and, with ENTRA_CONFIRMATION=on, until it is in Entra ID).

    .EXAMPLE
        $user = New-ADUser -Name 'Ada Lovelace' -UserPrincipalName ada@contoso.com -PassThru
        Submit-EntraSyncChange -ObjectGuid $user.ObjectGUID -Upn $user.UserPrincipalName -IdempotencyKey "hr-4711-$($user.ObjectGUID)"

        A joiner by objectGUID, with a key of your own that a re-run of the script reuses.

    .EXAMPLE
        Get-ADGroupMember Sales | Get-ADUser | Submit-EntraSyncChange -Kind attribute -Target contoso

        A batch: every member as an attribute change, one request.

    .EXAMPLE
        Submit-EntraSyncChange -Kind manual -Target contoso -Policy Initial -WhatIf

        What an Initial (full) cycle for target contoso would submit, without submitting it.

    .OUTPUTS
        EntraSyncTrigger.AcceptedRequest: requestId, state, statusUrl, correlationId, duplicate, targets, and
        IdempotencyKey, Replayed, RetryAfterSeconds.
    #>
    [CmdletBinding(DefaultParameterSetName = 'Change', SupportsShouldProcess, ConfirmImpact = 'Low')]
    [OutputType('EntraSyncTrigger.AcceptedRequest')]
    param(
        [Parameter(Position = 0)]
        [ValidateSet('joiner', 'mover', 'leaver', 'attribute', 'group', 'password', 'manual')]
        [string] $Kind = 'joiner',

        [Parameter(ParameterSetName = 'Change')]
        [Alias('UserPrincipalName')]
        [ValidateNotNullOrEmpty()]
        [string] $Upn,

        [Parameter(ParameterSetName = 'Change')]
        [guid] $ObjectGuid,

        [Parameter(ParameterSetName = 'Change')]
        [ValidateNotNullOrEmpty()]
        [string] $DistinguishedName,

        [Parameter(ParameterSetName = 'Change')]
        [ValidateNotNullOrEmpty()]
        [string] $ChangeId,

        [Parameter(Mandatory, ParameterSetName = 'Batch', ValueFromPipeline)]
        [object[]] $Change,

        [ValidatePattern('\A[a-z0-9][a-z0-9-]{0,62}\z')]
        [string] $Target,

        [ValidateSet('Delta', 'Initial')]
        [string] $Policy,

        [switch] $Urgent,

        [ValidatePattern('\A[A-Za-z0-9._:~+/=-]{1,255}\z')]
        [string] $IdempotencyKey = [guid]::NewGuid().ToString(),

        [ValidateNotNullOrEmpty()]
        [string] $CorrelationId,

        [ValidateRange(0, 10)]
        [int] $RetryCount = 2,

        [psobject] $Connection
    )

    begin {
        $changes = [System.Collections.Generic.List[object]]::new()
    }
    process {
        if ($PSCmdlet.ParameterSetName -eq 'Batch') {
            foreach ($item in $Change) {
                try { $normalized = ConvertTo-EntraSyncChange -InputObject $item } catch { $PSCmdlet.ThrowTerminatingError($_) }
                if (-not $normalized.Contains('kind')) { $normalized.Insert(0, 'kind', $Kind) }
                $changes.Add($normalized)
            }
        }
    }
    end {
        if ($PSCmdlet.ParameterSetName -eq 'Change') {
            $one = [ordered]@{ kind = $Kind }
            if ($Upn) { $one['upn'] = $Upn }
            if ($PSBoundParameters.ContainsKey('ObjectGuid')) { $one['objectId'] = $ObjectGuid.ToString() }
            if ($DistinguishedName) { $one['distinguishedName'] = $DistinguishedName }
            if ($ChangeId) { $one['id'] = $ChangeId }
            $changes.Add($one)
        }
        $body = [ordered]@{}
        if ($Target) { $body['target'] = $Target }
        if ($Policy) { $body['policy'] = $Policy }
        if ($PSBoundParameters.ContainsKey('Urgent')) { $body['urgent'] = [bool] $Urgent }
        $body['changes'] = $changes.ToArray()

        $what = "$($changes.Count) change(s) ($(@($changes | ForEach-Object { $_['kind'] } | Sort-Object -Unique) -join ', '))"
        $where = 'the target the service routes them to'
        if ($Target) { $where = "target $Target" }
        if (-not $PSCmdlet.ShouldProcess($where, "Submit $what for a $(if ($Policy) { $Policy } else { 'Delta' }) cycle")) { return }
        try {
            $connectionToUse = Resolve-EntraSyncConnection -Connection $Connection
            $send = @{ Connection = $connectionToUse; Body = $body; IdempotencyKey = $IdempotencyKey; RetryCount = $RetryCount }
            if ($CorrelationId) { $send['CorrelationId'] = $CorrelationId }
            Send-EntraSyncChange @send
        } catch {
            $PSCmdlet.ThrowTerminatingError($_)
        }
    }
}
