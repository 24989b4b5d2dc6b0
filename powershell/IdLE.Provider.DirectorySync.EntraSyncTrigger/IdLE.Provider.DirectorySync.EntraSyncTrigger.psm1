#Requires -Version 5.1
# Loads the client module this provider is built on, then the provider's functions: private helpers first, then
# the public commands (one file per function). The manifest's FunctionsToExport decides what callers see.
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

if (-not (Get-Module -Name 'EntraSyncTrigger')) {
    $sibling = Join-Path -Path (Split-Path -Path $PSScriptRoot -Parent) -ChildPath 'EntraSyncTrigger/EntraSyncTrigger.psd1'
    if (Test-Path -LiteralPath $sibling) {
        Import-Module -Name $sibling -ErrorAction Stop
    } else {
        Import-Module -Name 'EntraSyncTrigger' -ErrorAction Stop
    }
}

foreach ($folder in @('Private', 'Public')) {
    $path = Join-Path -Path $PSScriptRoot -ChildPath $folder
    if (-not (Test-Path -LiteralPath $path)) { continue }
    foreach ($file in Get-ChildItem -LiteralPath $path -Filter '*.ps1' -Recurse | Sort-Object -Property FullName) {
        . $file.FullName
    }
}
