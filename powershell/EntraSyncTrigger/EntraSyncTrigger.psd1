@{
    RootModule           = 'EntraSyncTrigger.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '5d1f7b8e-3c2a-4e6f-9b1d-7a2c4e8f0b13'
    Author               = 'entra-sync-trigger'
    Description          = 'Client cmdlets for the entra-sync-trigger service and the Active Directory change watcher that publishes to it. Windows PowerShell 5.1 and PowerShell 7.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    # Each area adds its public functions here (one file per function under Public/): sorted, one name per line.
    FunctionsToExport    = @(
        'Connect-EntraSync'
        'Get-EntraSyncRequest'
        'Get-EntraSyncStatus'
        'New-EntraSyncConnection'
        'Submit-EntraSyncChange'
        'Wait-EntraSyncRequest'
    )
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
    PrivateData          = @{ PSData = @{ Tags = @('EntraID', 'EntraConnect', 'CloudSync', 'ActiveDirectory') } }
}
