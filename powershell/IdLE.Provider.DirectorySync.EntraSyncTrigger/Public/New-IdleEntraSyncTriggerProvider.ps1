function New-IdleEntraSyncTriggerProvider {
    <#
    .SYNOPSIS
        Creates an IdLE DirectorySync provider that triggers sync through the entra-sync-trigger service.

    .DESCRIPTION
        A drop-in for IdLE.Step.TriggerDirectorySync (alias DirectorySync in New-IdlePlan -Providers). Instead of
        opening PSRemoting to the Entra Connect server and running Start-ADSyncSyncCycle once per workflow, the
        provider submits the workflow's change to the service, which coalesces the changes of every workflow into
        as few cycles as possible, refuses a staging server, and can confirm the object in Entra ID. It runs
        anywhere PowerShell 7 and HTTPS do (Linux, containers); nothing on the Connect server is opened.

        Contract (IdLE's DirectorySync provider):
          GetCapabilities()                                  IdLE.DirectorySync.Trigger, IdLE.DirectorySync.Status
          StartSyncCycle(PolicyType, ComputerName, AuthSession)    -> Started, Message
          GetSyncCycleState(ComputerName, AuthSession)             -> InProgress, State, Details
        ComputerName is the service's target id. The object and the run's correlation id come from the AuthSession
        of New-IdleEntraSyncTriggerAuthSessionBroker (the step's With.AuthSessionName and AuthSessionOptions):
        without them the provider still triggers a cycle, but it is not confirmed in Entra ID and a re-run of the
        plan is a new request. A skipped cycle (staging), a failed one, or an object not visible in Entra ID is an
        exception naming SYNC_SKIPPED, SYNC_FAILED or NOT_VISIBLE_IN_ENTRA; no answer, 429 and 5xx are exceptions
        marked transient, which IdLE retries. See docs/IDLE.md.

        Credentials given here are used when the session has none; the broker's take precedence. One provider per
        plan execution (runspace): it remembers the requests it started.

    .PARAMETER BaseUri
        The service's root URL, e.g. https://<app>.azurewebsites.net (https; http only for localhost).

    .PARAMETER FunctionKey
        A function key (string or SecureString) of postSyncRequests that is also set on getSyncRequestStatus
        (docs/API.md, "Authorization"); for PolicyType Initial, of postInitialSyncRequests.

    .PARAMETER AccessToken
        A bearer token for AUTH_MODE=appRoles (roles Sync.Request and Sync.Read). It is not refreshed: for
        unattended runs give the broker a -TokenScript instead.

    .PARAMETER TimeoutSeconds
        How long one HTTP call may take (default 100). The step's own TimeoutSeconds bounds the whole wait.

    .EXAMPLE
        $providers = @{
            DirectorySync     = New-IdleEntraSyncTriggerProvider -BaseUri https://sync-contoso.azurewebsites.net
            AuthSessionBroker = New-IdleEntraSyncTriggerAuthSessionBroker -FunctionKey (Get-Secret EntraSyncKey)
        }
        $plan = New-IdlePlan -WorkflowPath ./joiner.psd1 -Request $request -Providers $providers
        Invoke-IdlePlan -Plan $plan

        The provider and its broker for a joiner workflow (examples/idle/joiner-entra-sync-trigger.psd1).

    .EXAMPLE
        $provider = New-IdleEntraSyncTriggerProvider -BaseUri http://localhost:7071
        $provider.GetCapabilities()

        IdLE.DirectorySync.Trigger and IdLE.DirectorySync.Status, against the local host (npm start).

    .OUTPUTS
        IdLE.Provider.EntraSyncTriggerDirectorySync
    #>
    [CmdletBinding(DefaultParameterSetName = 'FunctionKey')]
    [OutputType('IdLE.Provider.EntraSyncTriggerDirectorySync')]
    param(
        [Parameter(Mandatory)]
        [uri] $BaseUri,

        [ValidateNotNull()]
        [object] $FunctionKey,

        [Parameter(Mandatory, ParameterSetName = 'AccessToken')]
        [ValidateNotNull()]
        [object] $AccessToken,

        [ValidateRange(1, 600)]
        [int] $TimeoutSeconds = 100
    )

    $connection = @{ BaseUri = $BaseUri; TimeoutSeconds = $TimeoutSeconds }
    if ($PSBoundParameters.ContainsKey('FunctionKey')) { $connection['FunctionKey'] = $FunctionKey }
    if ($PSBoundParameters.ContainsKey('AccessToken')) { $connection['AccessToken'] = $AccessToken }
    try {
        $provider = [pscustomobject]@{
            PSTypeName = 'IdLE.Provider.EntraSyncTriggerDirectorySync'
            Name       = 'EntraSyncTriggerDirectorySyncProvider'
            Connection = New-EntraSyncConnection @connection
            # Started requests, by "<correlation id>|<target>": data only, as IdLE requires of providers.
            Requests   = @{}
        }
    } catch {
        $PSCmdlet.ThrowTerminatingError($_)
    }

    $provider | Add-Member -MemberType ScriptMethod -Name GetCapabilities -Value {
        @('IdLE.DirectorySync.Trigger', 'IdLE.DirectorySync.Status')
    }
    # The parameter names are the contract's: IdLE finds AuthSession by name in the param block.
    $provider | Add-Member -MemberType ScriptMethod -Name StartSyncCycle -Value {
        param([string] $PolicyType, [string] $ComputerName, [object] $AuthSession)
        Start-IdleEntraSyncTriggerCycle -Provider $this -PolicyType $PolicyType -ComputerName $ComputerName -AuthSession $AuthSession
    }
    $provider | Add-Member -MemberType ScriptMethod -Name GetSyncCycleState -Value {
        param([string] $ComputerName, [object] $AuthSession)
        Get-IdleEntraSyncTriggerCycleState -Provider $this -ComputerName $ComputerName -AuthSession $AuthSession
    }
    $provider
}
