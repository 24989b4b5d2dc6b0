#Requires -Version 5.1
# Loads the module's functions: private helpers first, then the public commands (one file per function). The
# manifest's FunctionsToExport decides what callers see.
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

foreach ($folder in @('Private', 'Public')) {
    $path = Join-Path -Path $PSScriptRoot -ChildPath $folder
    if (-not (Test-Path -LiteralPath $path)) { continue }
    foreach ($file in Get-ChildItem -LiteralPath $path -Filter '*.ps1' -Recurse | Sort-Object -Property FullName) {
        . $file.FullName
    }
}
