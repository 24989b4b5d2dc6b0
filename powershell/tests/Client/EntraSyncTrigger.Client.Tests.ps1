#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
<#
    Pester 5 tests of the EntraSyncTrigger client (powershell/EntraSyncTrigger, Public/Client and Private/Client).
    The commands run against real local hosts (npm start's entry point, on loopback) and a fault proxy in front of
    one, all started by test/powershell/powershellModules.pester.test.ts: run them with
    npx vitest run test/powershell.
#>

BeforeDiscovery {
    $manifest = Join-Path (Split-Path -Parent (Split-Path -Parent $PSScriptRoot)) 'EntraSyncTrigger/EntraSyncTrigger.psd1'
    $script:ClientCommands = @(Get-ChildItem -LiteralPath (Join-Path (Split-Path -Parent $manifest) 'Public/Client') -Filter '*.ps1' |
            ForEach-Object { @{ Name = $_.BaseName } })
}

BeforeAll {
    . (Join-Path (Split-Path -Parent $PSScriptRoot) 'Support/TestEnvironment.ps1')
    Import-Module $script:ClientManifest -Force
    $script:Main = Get-TestHostUri -Name Main
    $script:Staging = Get-TestHostUri -Name Staging
    $script:Failing = Get-TestHostUri -Name Failing
    $script:Proxy = Get-TestHostUri -Name Proxy
    $script:MainConnection = New-EntraSyncConnection -BaseUri $script:Main
    function New-Upn { param([string] $Prefix = 'pester') "$Prefix.$([guid]::NewGuid().ToString('N').Substring(0, 12))@contoso.com" }
    function Get-Failure {
        # The ErrorRecord a command ends with (Should -Throw loses the ErrorRecord's TargetObject).
        param([scriptblock] $Command)
        try { & $Command } catch { return $_ }
        throw 'The command did not fail.'
    }
}

AfterAll {
    Remove-Module -Name EntraSyncTrigger -Force -ErrorAction SilentlyContinue
}

Describe 'The EntraSyncTrigger module' {
    It 'loads under the pinned pwsh and exports every client command' {
        $PSVersionTable.PSVersion.ToString() | Should -Be '7.6.9'
        $exported = @((Get-Module EntraSyncTrigger).ExportedFunctions.Keys)
        foreach ($name in @('Connect-EntraSync', 'Get-EntraSyncRequest', 'Get-EntraSyncStatus', 'New-EntraSyncConnection', 'Submit-EntraSyncChange', 'Wait-EntraSyncRequest')) {
            $exported | Should -Contain $name
        }
        $exported | Should -Not -Contain 'Invoke-EntraSyncApi'
        $exported | Should -Not -Contain 'Send-EntraSyncChange'
    }

    It 'has a valid manifest for Windows PowerShell 5.1 (Desktop) and PowerShell 7 (Core)' {
        $info = Test-ModuleManifest -Path $script:ClientManifest
        $info.PowerShellVersion | Should -Be ([version] '5.1')
        $info.CompatiblePSEditions | Should -Be @('Desktop', 'Core')
    }

    It 'lists FunctionsToExport sorted, one per line' {
        $names = @((Import-PowerShellDataFile -Path $script:ClientManifest).FunctionsToExport)
        $names | Should -Be ($names | Sort-Object)
    }

    It '<Name> has comment-based help: synopsis, description, every parameter, examples' -ForEach $script:ClientCommands {
        $help = Get-Help -Name $Name -Full
        $help.Synopsis | Should -Not -BeNullOrEmpty
        $help.Synopsis | Should -Not -Match "^\s*$Name"
        ($help.description | Out-String).Trim() | Should -Not -BeNullOrEmpty
        @($help.examples.example).Count | Should -BeGreaterThan 0
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($parameter in (Get-Command -Name $Name).Parameters.Keys | Where-Object { $common -notcontains $_ }) {
            $described = @($help.parameters.parameter | Where-Object { $_.name -eq $parameter })
            ($described.description | Out-String).Trim() | Should -Not -BeNullOrEmpty -Because "-$parameter of $Name needs a description"
        }
    }
}

Describe 'New-EntraSyncConnection and Connect-EntraSync' {
    It 'keeps keys and tokens as SecureString, so printing a connection shows neither' {
        $connection = New-EntraSyncConnection -BaseUri https://sync.example.com -FunctionKey 'key-value-123' -AccessToken 'token-value-456'
        $connection.FunctionKey | Should -BeOfType [securestring]
        $connection.AccessToken | Should -BeOfType [securestring]
        $connection.Authentication | Should -Be 'FunctionKey + AccessToken'
        $printed = $connection | Format-List * | Out-String
        $printed | Should -Not -Match 'key-value-123|token-value-456'
    }

    It 'refuses plain http to another machine, a query string (a ?code= key) and a relative URL' {
        { New-EntraSyncConnection -BaseUri http://sync.example.com } | Should -Throw '*must use https*'
        { New-EntraSyncConnection -BaseUri 'https://sync.example.com/?code=abc' } | Should -Throw '*query*'
        { New-EntraSyncConnection -BaseUri 'api/sync' } | Should -Throw '*absolute*'
        (New-EntraSyncConnection -BaseUri http://localhost:7071).BaseUri.AbsoluteUri | Should -Be 'http://localhost:7071/'
        $failure = Get-Failure { New-EntraSyncConnection -BaseUri http://sync.example.com }
        $failure.Exception.Data['Code'] | Should -Be 'INVALID_ARGUMENT'
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'says NOT_CONNECTED until Connect-EntraSync has set a connection' {
        $module = Get-Module EntraSyncTrigger
        & $module { $script:EntraSyncDefaultConnection = $null }
        $failure = Get-Failure { Get-EntraSyncStatus }
        $failure.Exception.Data['Code'] | Should -Be 'NOT_CONNECTED'
        $connection = Connect-EntraSync -BaseUri $script:Main -PassThru
        $connection.PSObject.TypeNames | Should -Contain 'EntraSyncTrigger.Connection'
        (Get-EntraSyncStatus).targets.targetId | Should -Contain 'local'
    }
}

Describe 'What the client sends (echoed back by the proxy)' {
    It 'sends x-functions-key and Authorization: Bearer, never the key in the URL, and no Idempotency-Key on reads' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/echo" -FunctionKey 'the-key' -AccessToken 'the-token'
        $echo = Get-EntraSyncStatus -Connection $connection
        $echo.method | Should -Be 'GET'
        $echo.path | Should -Be '/api/status'
        $echo.headers.'x-functions-key' | Should -Be 'the-key'
        $echo.headers.authorization | Should -Be 'Bearer the-token'
        $echo.headers.PSObject.Properties.Name | Should -Not -Contain 'idempotency-key'
        $echo.headers.'user-agent' | Should -Match '^EntraSyncTrigger-PowerShell/0\.1\.0 PowerShell/7\.6\.9$'
    }

    It 'runs -TokenScript before every request and takes a Token property or a SecureString from it' {
        $script:TokenCalls = 0
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/echo" -TokenScript {
            $script:TokenCalls++
            if ($script:TokenCalls -eq 1) { [pscustomobject]@{ Token = 'from-az'; ExpiresOn = [DateTimeOffset]::UtcNow.AddHours(1) } }
            else { ConvertTo-SecureString -String "secure-$($script:TokenCalls)" -AsPlainText -Force }
        }
        (Get-EntraSyncStatus -Connection $connection).headers.authorization | Should -Be 'Bearer from-az'
        (Get-EntraSyncStatus -Connection $connection).headers.authorization | Should -Be 'Bearer secure-2'
        $script:TokenCalls | Should -Be 2
    }

    It 'reports a -TokenScript that fails or returns nothing usable as TOKEN_SCRIPT_FAILED' {
        $failing = New-EntraSyncConnection -BaseUri "$script:Proxy/echo" -TokenScript { throw 'no managed identity here' }
        (Get-Failure { Get-EntraSyncStatus -Connection $failing }).Exception.Message | Should -BeLike 'TOKEN_SCRIPT_FAILED:*no managed identity here*'
        $empty = New-EntraSyncConnection -BaseUri "$script:Proxy/echo" -TokenScript { 42 }
        (Get-Failure { Get-EntraSyncStatus -Connection $empty }).Exception.Data['Code'] | Should -Be 'TOKEN_SCRIPT_FAILED'
    }

    It 'posts native JSON with an Idempotency-Key and a traceparent carrying the correlation id' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/echo"
        $echo = Submit-EntraSyncChange -Connection $connection -Upn 'ada@contoso.com' -Target local -CorrelationId '4BF92F35-77B3-4DA6-A3CE-929D0E0E4736' -IdempotencyKey 'hr-4711'
        $echo.method | Should -Be 'POST'
        $echo.path | Should -Be '/api/sync/requests'
        $echo.headers.'content-type' | Should -Be 'application/json; charset=utf-8'
        $echo.headers.'idempotency-key' | Should -Be 'hr-4711'
        $echo.headers.traceparent | Should -Match '^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$'
        $echo.body.target | Should -Be 'local'
        @($echo.body.changes).Count | Should -Be 1
        $echo.body.changes[0].kind | Should -Be 'joiner'
        $echo.body.changes[0].upn | Should -Be 'ada@contoso.com'
        $echo.IdempotencyKey | Should -Be 'hr-4711'
    }

    It 'gives every submit an Idempotency-Key of its own when none is given, and hashes a free-text correlation id' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/echo"
        $first = Submit-EntraSyncChange -Connection $connection -Upn 'a@contoso.com' -CorrelationId 'Joiner: Ada'
        $second = Submit-EntraSyncChange -Connection $connection -Upn 'a@contoso.com'
        $first.headers.'idempotency-key' | Should -Match '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
        $second.headers.'idempotency-key' | Should -Not -Be $first.headers.'idempotency-key'
        $first.headers.traceparent | Should -Match '^00-[0-9a-f]{32}-[0-9a-f]{16}-01$'
        $first.headers.traceparent | Should -Not -Match '^00-0{32}-'
    }

    It 'sends Initial to the full-sync endpoint, and a batch as one request in the API spelling' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/echo"
        (Submit-EntraSyncChange -Connection $connection -Kind manual -Target local -Policy Initial).path | Should -Be '/api/sync/initial-requests'
        $batch = @(
            @{ Kind = 'mover'; UPN = 'm1@contoso.com' }
            [pscustomobject]@{ UserPrincipalName = 'm2@contoso.com'; ObjectGuid = [guid] '00000000-0000-0000-0000-00000000abcd'; Empty = '' }
        ) | Submit-EntraSyncChange -Connection $connection -Kind attribute
        $batch.body.changes[0].kind | Should -Be 'mover'
        $batch.body.changes[0].upn | Should -Be 'm1@contoso.com'
        $batch.body.changes[1].kind | Should -Be 'attribute'
        $batch.body.changes[1].upn | Should -Be 'm2@contoso.com'
        $batch.body.changes[1].objectId | Should -Be '00000000-0000-0000-0000-00000000abcd'
        $batch.body.changes[1].PSObject.Properties.Name | Should -Not -Contain 'Empty'
    }

    It 'reads a status URL that names another host on the connection''s own origin, where the key may go' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/echo" -FunctionKey 'the-key'
        $echo = Get-EntraSyncRequest -Request 'http://127.0.0.1:9/api/sync/requests/abc-123?targets=a,b' -Connection $connection
        $echo.path | Should -Be '/api/sync/requests/abc-123?targets=a,b'
        $echo.headers.'x-functions-key' | Should -Be 'the-key'
        $echo.StatusUri.AbsoluteUri | Should -Be "$script:Proxy/echo/api/sync/requests/abc-123?targets=a,b"
    }

    It 'submits nothing with -WhatIf' {
        $connection = New-EntraSyncConnection -BaseUri http://127.0.0.1:9
        Submit-EntraSyncChange -Connection $connection -Upn 'a@contoso.com' -WhatIf | Should -BeNullOrEmpty
    }
}

Describe 'Against npm start' {
    It 'a joiner submitted and awaited ends succeeded with 200, confirmed in Entra ID' {
        $upn = New-Upn
        $accepted = Submit-EntraSyncChange -Connection $script:MainConnection -Upn $upn
        $accepted.PSObject.TypeNames | Should -Contain 'EntraSyncTrigger.AcceptedRequest'
        $accepted.state | Should -Be 'accepted'
        $accepted.duplicate | Should -BeFalse
        $final = $accepted | Wait-EntraSyncRequest -Connection $script:MainConnection -TimeoutSeconds 120
        $final.IsFinal | Should -BeTrue
        $final.requestId | Should -Be $accepted.requestId
        $final.state | Should -Be 'succeeded'
        $final.run.outcome | Should -Be 'Succeeded'
        $final.entra.state | Should -Be 'confirmed'
    }

    It 'a joiner by objectGUID is confirmed too, and one by DN alone ends succeeded without a confirmation' {
        $byGuid = Submit-EntraSyncChange -Connection $script:MainConnection -ObjectGuid ([guid]::NewGuid()) -Upn (New-Upn)
        ($byGuid | Wait-EntraSyncRequest -Connection $script:MainConnection -TimeoutSeconds 120).entra.state | Should -Be 'confirmed'
        $byDn = Submit-EntraSyncChange -Connection $script:MainConnection -DistinguishedName 'CN=Grace Hopper,OU=Users,DC=contoso,DC=com'
        $final = $byDn | Wait-EntraSyncRequest -Connection $script:MainConnection -TimeoutSeconds 120
        $final.state | Should -Be 'succeeded'
        $final.PSObject.Properties.Name | Should -Not -Contain 'entra'
    }

    It 'reads a request once with Get-EntraSyncRequest, by object and by id' {
        $accepted = Submit-EntraSyncChange -Connection $script:MainConnection -Kind attribute -Upn (New-Upn)
        $status = Get-EntraSyncRequest -Request $accepted -Connection $script:MainConnection
        $status.PSObject.TypeNames | Should -Contain 'EntraSyncTrigger.RequestStatus'
        $status.IsFinal | Should -BeFalse
        $status.state | Should -BeIn @('accepted', 'waiting', 'running')
        $status.RetryAfterSeconds | Should -Be 1
        $null = Wait-EntraSyncRequest -Request $accepted.requestId -Connection $script:MainConnection -TimeoutSeconds 120
        (Get-EntraSyncRequest -Request $accepted.requestId -Connection $script:MainConnection).IsFinal | Should -BeTrue
    }

    It 'a second submit with the same key and changes is a replay: same requestId, duplicate, Idempotent-Replayed' {
        $upn = New-Upn
        $key = "pester-$([guid]::NewGuid())"
        $first = Submit-EntraSyncChange -Connection $script:MainConnection -Upn $upn -IdempotencyKey $key
        $again = Submit-EntraSyncChange -Connection $script:MainConnection -Upn $upn -IdempotencyKey $key
        $again.requestId | Should -Be $first.requestId
        $again.duplicate | Should -BeTrue
        $again.Replayed | Should -BeTrue
        $first.Replayed | Should -BeFalse
    }

    It 'a submit retried after its answer was lost is a replay of the request the first attempt created' {
        $upn = New-Upn -Prefix 'lost'
        $key = "lost-answer-$([guid]::NewGuid())"
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/lose-first-answer"
        $accepted = Submit-EntraSyncChange -Connection $connection -Upn $upn -IdempotencyKey $key -RetryCount 1 -WarningVariable warnings -WarningAction SilentlyContinue
        @($warnings).Count | Should -Be 1
        "$($warnings[0])" | Should -BeLike '*DEPENDENCY_UNAVAILABLE*same Idempotency-Key*'
        $accepted.duplicate | Should -BeTrue
        $accepted.Replayed | Should -BeTrue
        # The request exists once on the service, with the one change, and ends like any other.
        $final = Wait-EntraSyncRequest -Request $accepted.requestId -Connection $script:MainConnection -TimeoutSeconds 120
        $final.changeCount | Should -Be 1
        $final.state | Should -Be 'succeeded'
    }

    It 'the same key with other changes is IDEMPOTENCY_KEY_REUSED (422), not transient' {
        $key = "pester-$([guid]::NewGuid())"
        $null = Submit-EntraSyncChange -Connection $script:MainConnection -Upn (New-Upn) -IdempotencyKey $key
        $failure = Get-Failure { Submit-EntraSyncChange -Connection $script:MainConnection -Upn (New-Upn) -IdempotencyKey $key }
        $failure.Exception.Data['Code'] | Should -Be 'IDEMPOTENCY_KEY_REUSED'
        $failure.Exception.Data['Status'] | Should -Be 422
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeFalse
        $failure.FullyQualifiedErrorId | Should -Be 'IDEMPOTENCY_KEY_REUSED,Submit-EntraSyncChange'
    }

    It 'a change the service refuses is VALIDATION_FAILED with the field it names in the message' {
        $failure = Get-Failure { Submit-EntraSyncChange -Connection $script:MainConnection -Upn 'bad$name@contoso.com' }
        $failure.Exception.Data['Code'] | Should -Be 'VALIDATION_FAILED'
        $failure.Exception.Message | Should -BeLike 'VALIDATION_FAILED: *`[/changes/0/upn: *'
        $failure.Exception.Data['Errors'][0].pointer | Should -Be '/changes/0/upn'
        $failure.CategoryInfo.Category | Should -Be 'InvalidData'
    }

    It 'an unknown request is REQUEST_NOT_FOUND (404), not transient' {
        $failure = Get-Failure { Get-EntraSyncRequest -Request ([guid]::NewGuid()) -Connection $script:MainConnection }
        $failure.Exception.Data['Code'] | Should -Be 'REQUEST_NOT_FOUND'
        $failure.Exception.Data['Status'] | Should -Be 404
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeFalse
    }

    It 'on a staging server Wait-EntraSyncRequest fails with SYNC_SKIPPED (409), the run as TargetObject' {
        $connection = New-EntraSyncConnection -BaseUri $script:Staging
        $accepted = Submit-EntraSyncChange -Connection $connection -Upn (New-Upn)
        $failure = Get-Failure { Wait-EntraSyncRequest -Request $accepted -Connection $connection -TimeoutSeconds 120 }
        $failure.Exception.Message | Should -BeLike 'SYNC_SKIPPED: *(HTTP 409, request *)'
        $failure.Exception.Data['Code'] | Should -Be 'SYNC_SKIPPED'
        $failure.Exception.Data['Detail'] | Should -Not -BeNullOrEmpty
        $failure.Exception.Data['Status'] | Should -Be 409
        $failure.Exception.Data['RequestId'] | Should -Be $accepted.requestId
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeFalse
        $failure.TargetObject.state | Should -Be 'skipped'
        $failure.TargetObject.run.outcome | Should -Be 'SkippedStagingMode'
        $failure.FullyQualifiedErrorId | Should -Be 'SYNC_SKIPPED,Wait-EntraSyncRequest'
    }

    It 'when the runbook fails Wait-EntraSyncRequest fails with SYNC_FAILED (424), and Get-EntraSyncRequest says the same' {
        $connection = New-EntraSyncConnection -BaseUri $script:Failing
        $accepted = Submit-EntraSyncChange -Connection $connection -Upn (New-Upn)
        $failure = Get-Failure { Wait-EntraSyncRequest -Request $accepted -Connection $connection -TimeoutSeconds 120 }
        $failure.Exception.Data['Code'] | Should -Be 'SYNC_FAILED'
        $failure.Exception.Data['Status'] | Should -Be 424
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeFalse
        $failure.TargetObject.state | Should -Be 'failed'
        (Get-Failure { Get-EntraSyncRequest -Request $accepted -Connection $connection }).Exception.Data['Code'] | Should -Be 'SYNC_FAILED'
    }

    It 'an object the cycles did not carry into Entra ID is NOT_VISIBLE_IN_ENTRA (424), with the service''s reason' {
        $connection = New-EntraSyncConnection -BaseUri (Get-TestHostUri -Name Invisible)
        $accepted = Submit-EntraSyncChange -Connection $connection -Upn (New-Upn)
        $failure = Get-Failure { Wait-EntraSyncRequest -Request $accepted -Connection $connection -TimeoutSeconds 120 }
        $failure.Exception.Data['Code'] | Should -Be 'NOT_VISIBLE_IN_ENTRA'
        $failure.Exception.Data['Status'] | Should -Be 424
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeFalse
        $failure.TargetObject.entra.state | Should -Be 'notVisibleInEntra'
        $failure.TargetObject.entra.reason | Should -Not -BeNullOrEmpty
        $failure.TargetObject.run.outcome | Should -Be 'Succeeded'
    }

    It 'a second Initial within the interval is INITIAL_RATE_LIMITED (429), transient, with Retry-After' {
        $connection = New-EntraSyncConnection -BaseUri $script:Failing
        $first = Submit-EntraSyncChange -Connection $connection -Kind manual -Target local -Policy Initial
        $first.targets[0].policy | Should -Be 'Initial'
        $failure = Get-Failure { Submit-EntraSyncChange -Connection $connection -Kind manual -Target local -Policy Initial -RetryCount 0 }
        $failure.Exception.Data['Code'] | Should -Be 'INITIAL_RATE_LIMITED'
        $failure.Exception.Data['Status'] | Should -Be 429
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeTrue
        $failure.Exception.Data['RetryAfterSeconds'] | Should -BeGreaterThan 0
    }

    It 'reads the status overview, and one target of it' {
        $overview = Get-EntraSyncStatus -Connection $script:MainConnection
        $overview.targets.targetId | Should -Contain 'local'
        $target = Get-EntraSyncStatus -Connection $script:MainConnection -Target local
        $target.health | Should -BeIn @('healthy', 'warning', 'failing', 'unknown')
        @($target.lastRuns).Count | Should -BeGreaterThan 0
        (Get-Failure { Get-EntraSyncStatus -Connection $script:MainConnection -Target nowhere }).Exception.Data['Code'] | Should -Be 'UNKNOWN_TARGET'
    }
}

Describe 'Failures that retrying can heal are marked transient' {
    It 'no answer at all is NETWORK_ERROR, transient' {
        $connection = New-EntraSyncConnection -BaseUri http://127.0.0.1:9
        $failure = Get-Failure { Submit-EntraSyncChange -Connection $connection -Upn 'a@contoso.com' -RetryCount 0 }
        $failure.Exception.Data['Code'] | Should -Be 'NETWORK_ERROR'
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeTrue
        $failure.Exception.Data['Status'] | Should -BeNullOrEmpty
        $failure.CategoryInfo.Category | Should -Be 'ConnectionError'
    }

    It 'a connection reset mid-request is NETWORK_ERROR, transient' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/reset"
        $failure = Get-Failure { Get-EntraSyncRequest -Request ([guid]::NewGuid()) -Connection $connection }
        $failure.Exception.Data['Code'] | Should -Be 'NETWORK_ERROR'
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeTrue
    }

    It 'no answer within the connection timeout is TIMEOUT, transient' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/hang" -TimeoutSeconds 1
        $failure = Get-Failure { Get-EntraSyncStatus -Connection $connection }
        $failure.Exception.Data['Code'] | Should -Be 'TIMEOUT'
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeTrue
    }

    It '503 problem details is the problem code, transient, with its Retry-After; -RetryCount retries it' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/unavailable"
        $failure = $null
        try { Submit-EntraSyncChange -Connection $connection -Upn 'a@contoso.com' -RetryCount 2 -WarningAction SilentlyContinue -WarningVariable warnings } catch { $failure = $_ }
        $failure.Exception.Data['Code'] | Should -Be 'DEPENDENCY_UNAVAILABLE'
        $failure.Exception.Data['Status'] | Should -Be 503
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeTrue
        $failure.Exception.Data['RetryAfterSeconds'] | Should -Be 1
        @($warnings).Count | Should -Be 2
    }

    It 'a 429 whose body is not a problem (a gateway page) is HTTP_429 with the reason phrase, transient' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/throttled"
        $failure = Get-Failure { Get-EntraSyncStatus -Connection $connection }
        $failure.Exception.Data['Code'] | Should -Be 'HTTP_429'
        $failure.Exception.Data['Detail'] | Should -Be 'Too Many Requests'
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeTrue
    }

    It 'a 500 CONFIG_INVALID is not transient: a bad setting does not heal by retrying' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/misconfigured"
        $failure = Get-Failure { Submit-EntraSyncChange -Connection $connection -Upn 'a@contoso.com' -WarningVariable warnings -WarningAction SilentlyContinue }
        $failure.Exception.Data['Code'] | Should -Be 'CONFIG_INVALID'
        $failure.Exception.Data['Status'] | Should -Be 500
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeFalse
    }

    It 'a redirect is not followed (it would carry the function key elsewhere) and is not transient' {
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/redirect" -FunctionKey 'secret'
        $failure = Get-Failure { Get-EntraSyncStatus -Connection $connection }
        $failure.Exception.Data['Code'] | Should -Be 'HTTP_302'
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeFalse
    }

    It 'Wait-EntraSyncRequest reads again after a transient poll failure' {
        $accepted = Submit-EntraSyncChange -Connection $script:MainConnection -Upn (New-Upn)
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/fail-first-read"
        $final = Wait-EntraSyncRequest -Request $accepted -Connection $connection -TimeoutSeconds 120 -WarningVariable warnings -WarningAction SilentlyContinue
        $final.state | Should -Be 'succeeded'
        "$($warnings[0])" | Should -BeLike 'Poll 1 failed (DEPENDENCY_UNAVAILABLE:*'
    }
}

Describe 'Wait-EntraSyncRequest timing' {
    It 'waits as long as Retry-After says between polls, and ends with WAIT_TIMEOUT and the last status' {
        # The proxy's /pending answers every status read with 202, Retry-After: 2.
        $connection = New-EntraSyncConnection -BaseUri "$script:Proxy/pending"
        $verbose = [System.Collections.Generic.List[string]]::new()
        $failure = $null
        $clock = [System.Diagnostics.Stopwatch]::StartNew()
        try {
            Wait-EntraSyncRequest -Request 'pending-request' -Connection $connection -TimeoutSeconds 7 -Verbose 4>&1 | ForEach-Object { $verbose.Add("$_") }
        } catch {
            $failure = $_
        }
        $clock.Stop()
        $failure.Exception.Data['Code'] | Should -Be 'WAIT_TIMEOUT'
        $failure.Exception.Data['Idle.IsTransient'] | Should -BeFalse
        $failure.Exception.Message | Should -BeLike 'WAIT_TIMEOUT: The request was not final after 7 s (last state: waiting).*'
        $failure.TargetObject.state | Should -Be 'waiting'
        $clock.Elapsed.TotalSeconds | Should -BeGreaterOrEqual 6.9
        $clock.Elapsed.TotalSeconds | Should -BeLessThan 12
        @($verbose | Where-Object { $_ -like 'Poll *: HTTP 202, state waiting; Retry-After 2 s.' }).Count | Should -BeGreaterOrEqual 3
        # Reads at 0, 2, 4 and 6 s (one fewer if reads are slow); every second would be 7 or 8, every 5 s 2.
        $polls = Invoke-RestMethod -Uri "$script:Proxy/pending/_count"
        $polls.reads | Should -BeIn @(3, 4)
    }
}
