@{
    RootModule           = 'IdLE.Provider.DirectorySync.EntraSyncTrigger.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '12026d25-b9d1-4a2e-84ff-d5da1cdd423b'
    Author               = 'entra-sync-trigger'
    Description          = 'IdLE DirectorySync provider backed by the entra-sync-trigger service: IdLE.Step.TriggerDirectorySync submits to the service and waits for the coalesced cycle (and Entra ID confirmation) instead of running Start-ADSyncSyncCycle over PSRemoting.'
    # IdLE runs on PowerShell 7; the code also passes the 5.1 static rules, as the client module it is built on.
    PowerShellVersion    = '7.0'
    CompatiblePSEditions = @('Core')
    # The client module (EntraSyncTrigger) is imported by the root module: from the session if loaded, else from a
    # sibling folder (this repository's layout), else by name from PSModulePath. RequiredModules would demand it
    # on PSModulePath even when it sits next to this folder.
    FunctionsToExport    = @(
        'New-IdleEntraSyncTriggerAuthSessionBroker'
        'New-IdleEntraSyncTriggerProvider'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{ PSData = @{ Tags = @('IdLE', 'IdentityLifecycleEngine', 'DirectorySync', 'EntraConnect', 'EntraID') } }
}
