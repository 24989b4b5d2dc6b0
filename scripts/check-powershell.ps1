<#
.SYNOPSIS
    Static checks of the project's PowerShell: the runbook (Windows PowerShell 5.1 on the Hybrid Worker), the azd
    hooks and the PowerShell modules (powershell/: Windows PowerShell 5.1 and 7). They stand in for PSScriptAnalyzer, which is not obtainable here, and for a Windows PowerShell 5.1 parser.

.DESCRIPTION
    Every file is parsed with the PowerShell AST ([System.Management.Automation.Language.Parser]::ParseFile) and read
    as bytes; each rule below looks at one or the other. Runs under pwsh 7 (scripts/check-powershell.sh runs the pinned
    one); the files it checks must also run on 5.1.

    Profiles (which rules apply):
      Runbook  every rule: the runbook runs unattended as Tier 0 on the Connect server and its Output stream is a contract.
      Script   every rule except the Runbook.* and Module.* ones (azd hooks: Write-Host is their normal output; the
               modules' root .psm1 files).
      Module   the Script rules, except Style.ErrorActionPreference, plus Module.*: a module's function files
               (powershell/*/Public, powershell/*/Private), which the root module dot-sources into its own scope,
               where it has set $ErrorActionPreference = 'Stop' already.
      Compat   only what would break on Windows PowerShell 5.1 (Parse, PS7.*, Encoding.*): the Pester tests, which a
               Windows workstation may run under 5.1.

    Rules:
      Parse.Error                 the file does not parse
      PS7.TernaryOperator         a ? b : c                              (PowerShell 7.0+)
      PS7.NullCoalescing          ?? and ??=                             (7.0+)
      PS7.NullConditional         ?. and ?[]                             (7.0+)
      PS7.PipelineChain           && and ||                              (7.0+)
      PS7.CleanBlock              clean { }                              (7.3+)
      PS7.BackgroundOperator      a trailing & to start a job            (6.0+)
      PS7.UnicodeEscape           "`u{2713}"                             (6.0+)
      PS7.Command                 cmdlets 5.1 does not have (Get-Error, Test-Json, Join-String, Remove-Alias, ...)
      PS7.Parameter               parameters 5.1 cmdlets do not have (ForEach-Object -Parallel, ConvertFrom-Json
                                  -AsHashtable/-Depth, ConvertTo-Json -EscapeHandling, Get-Content -AsByteStream, ...)
      PS7.JoinPathPositional      Join-Path with 3+ positional paths (5.1 takes exactly Path and ChildPath)
      PS7.EncodingName            -Encoding utf8NoBOM / utf8BOM / ansi   (6.0+ / 7.4+)
      PS7.AutomaticVariable       $IsWindows, $IsLinux, $IsMacOS, $IsCoreCLR, $PSStyle, ... (undefined on 5.1)
      Encoding.NonAsciiWithoutBom a non-ASCII character in a file without a UTF-8 BOM: 5.1 reads such a file as ANSI
      Style.Alias                 a command alias (%, ?, select, where, foreach, ls, ...)
      Style.InvokeExpression      Invoke-Expression, [scriptblock]::Create, InvokeScript: strings run as code
      Style.PositionalArguments   3 or more positional arguments to one command
      Style.ApprovedVerb          a Verb-Noun function whose verb is not approved (Get-Verb)
      Style.NullOnRight           $x -eq $null (compares element-wise on arrays; write $null -eq $x)
      Style.EmptyCatch            catch { } swallows the error
      Style.PlainTextPassword     a password parameter typed as a string instead of SecureString/PSCredential
      Style.ErrorActionPreference the script does not set $ErrorActionPreference = 'Stop' at its top level
      Style.SilencedMustStop      -ErrorAction SilentlyContinue/Ignore on a call that must stop (ADSync, Import-Module, ...)
      Style.NativeExitCode        a native program (az, npm, ...) whose $LASTEXITCODE the next statement does not check
      Runbook.HostOutput          Write-Host, Out-Host, [Console]::Write: a runbook's job has no host
      Runbook.OneOutputRecord     anything but the last top-level statement that can write to the Output stream
      Runbook.NonAscii            any non-ASCII character: the text travels through Automation's draft/content API
      Runbook.RequiresVersion     no #Requires -Version, or one above 5.1
      Module.OneFunctionPerFile   a function file holds anything but one function named as the file (nothing else may
                                  run when the module is imported, and the file is where the function is found)

.PARAMETER Runbook
    Files checked with the Runbook profile. With no file arguments at all: infra/runbooks/*.ps1.

.PARAMETER Script
    Files checked with the Script profile. With no file arguments at all: infra/hooks/*.ps1 and the modules' root
    files, powershell/*/*.psm1.

.PARAMETER Module
    Files checked with the Module profile. With no file arguments at all: powershell/*/Public/**/*.ps1 and
    powershell/*/Private/**/*.ps1.

.PARAMETER Compat
    Files checked with the Compat profile. With no file arguments at all: infra/runbooks/tests/*.ps1 and
    powershell/tests/**/*.ps1.

.PARAMETER Format
    Text (default): one "path:line:column: Rule: message" line per finding and a summary. Json: one JSON document
    { files: [ { path, profile, findings: [ { rule, line, column, message } ] } ] }.

.OUTPUTS
    Exit code 0 when nothing was found, 1 when something was, 2 when a file is missing.
#>
# The AST types by their short names.
using namespace System.Management.Automation.Language
[CmdletBinding()]
param(
    [string[]] $Runbook = @(),
    [string[]] $Script = @(),
    [string[]] $Module = @(),
    [string[]] $Compat = @(),
    [ValidateSet('Text', 'Json')]
    [string] $Format = 'Text'
)

Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'

$repoRoot = Split-Path -Parent $PSScriptRoot
if ($Runbook.Count -eq 0 -and $Script.Count -eq 0 -and $Module.Count -eq 0 -and $Compat.Count -eq 0) {
    $modules = @(Get-ChildItem -LiteralPath (Join-Path $repoRoot 'powershell') -Directory | Where-Object { $_.Name -ne 'tests' })
    $Runbook = @(Get-ChildItem -LiteralPath (Join-Path $repoRoot 'infra/runbooks') -Filter '*.ps1' -File | ForEach-Object FullName)
    $Script = @(Get-ChildItem -LiteralPath (Join-Path $repoRoot 'infra/hooks') -Filter '*.ps1' -File | ForEach-Object FullName) +
        @($modules | ForEach-Object { Get-ChildItem -LiteralPath $_.FullName -Filter '*.psm1' -File } | ForEach-Object FullName)
    $Module = @($modules | ForEach-Object {
            foreach ($folder in @('Public', 'Private')) {
                $path = Join-Path $_.FullName $folder
                if (Test-Path -LiteralPath $path) { Get-ChildItem -LiteralPath $path -Filter '*.ps1' -File -Recurse }
            }
        } | ForEach-Object FullName)
    $Compat = @(Get-ChildItem -LiteralPath (Join-Path $repoRoot 'infra/runbooks/tests') -Filter '*.ps1' -File | ForEach-Object FullName) +
        @(Get-ChildItem -LiteralPath (Join-Path $repoRoot 'powershell/tests') -Filter '*.ps1' -File -Recurse | ForEach-Object FullName)
}

# ---------------------------------------------------------------------------------------------------------------------
# Tables. Version facts are from the PowerShell docs (reference/5.1 against reference/7.x of each cmdlet).

# Cmdlets that Windows PowerShell 5.1 does not have.
$ps7Commands = @{
    'Get-Error' = '7.0'; 'Test-Json' = '6.1'; 'Join-String' = '6.2'; 'Remove-Alias' = '6.0'; 'Get-Uptime' = '6.0'
    'Remove-Service' = '6.0'; 'ConvertFrom-Markdown' = '6.1'; 'Show-Markdown' = '6.1'; 'Get-MarkdownOption' = '6.1'
    'Set-MarkdownOption' = '6.1'; 'Get-ExperimentalFeature' = '6.2'; 'Enable-ExperimentalFeature' = '6.2'
    'Disable-ExperimentalFeature' = '6.2'; 'Get-PSSubsystem' = '7.1'
}

# Parameters that the 5.1 version of a cmdlet does not have. Matched by prefix, as PowerShell matches abbreviations.
$ps7Parameters = @{
    'ForEach-Object'    = @('Parallel', 'ThrottleLimit', 'TimeoutSeconds', 'AsJob', 'UseNewRunspace')
    'ConvertFrom-Json'  = @('AsHashtable', 'Depth', 'NoEnumerate', 'DateKind')
    'ConvertTo-Json'    = @('EscapeHandling', 'AsArray', 'EnumsAsStrings')
    'Join-Path'         = @('AdditionalChildPath', 'Extension')
    'Get-Content'       = @('AsByteStream')
    'Set-Content'       = @('AsByteStream')
    'Add-Content'       = @('AsByteStream')
    'Get-Date'          = @('AsUTC', 'UnixTimeSeconds')
    'Split-Path'        = @('LeafBase', 'Extension')
    'Select-String'     = @('Raw', 'NoEmphasis', 'Culture')
    'Sort-Object'       = @('Top', 'Bottom', 'Stable')
    'Select-Object'     = @('SkipIndex')
    'Start-Process'     = @('Environment')
    'Test-Connection'   = @('TargetName', 'Ping', 'Traceroute', 'MtuSize', 'TcpPort', 'Detailed', 'IPv4', 'IPv6')
    'ConvertTo-Csv'     = @('UseQuotes', 'QuoteFields')
    'Export-Csv'        = @('UseQuotes', 'QuoteFields')
    'Invoke-RestMethod' = @('SkipCertificateCheck', 'Authentication', 'Token', 'StatusCodeVariable', 'ResponseHeadersVariable',
        'SslProtocol', 'SkipHeaderValidation', 'MaximumRetryCount', 'RetryIntervalSec', 'Resume', 'Form', 'NoProxy',
        'SkipHttpErrorCheck', 'HttpVersion', 'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds', 'CustomMethod',
        'PreserveAuthorizationOnRedirect', 'AllowUnencryptedAuthentication', 'FollowRelLink', 'MaximumFollowRelLink')
    'Invoke-WebRequest' = @('SkipCertificateCheck', 'Authentication', 'Token', 'SslProtocol', 'SkipHeaderValidation',
        'MaximumRetryCount', 'RetryIntervalSec', 'Resume', 'Form', 'NoProxy', 'SkipHttpErrorCheck', 'HttpVersion',
        'ConnectionTimeoutSeconds', 'OperationTimeoutSeconds', 'CustomMethod', 'PreserveAuthorizationOnRedirect',
        'AllowUnencryptedAuthentication')
}

# -Encoding names 5.1 does not know (it has Unknown, String, Unicode, BigEndianUnicode, UTF8, UTF7, UTF32, ASCII,
# Default, OEM, Byte).
$ps7EncodingNames = @('utf8NoBOM', 'utf8BOM', 'ansi', 'bigendianutf32', 'latin1')

# Automatic variables that 5.1 does not define (reading one there gives $null, so "if ($IsWindows)" is false on Windows).
$ps7Variables = @('IsWindows', 'IsLinux', 'IsMacOS', 'IsCoreCLR', 'PSStyle', 'EnabledExperimentalFeatures',
    'PSNativeCommandArgumentPassing', 'PSNativeCommandUseErrorActionPreference')

# Aliases: this pwsh's, plus those Windows PowerShell 5.1 has and pwsh on Linux dropped.
$aliases = @{}
foreach ($alias in Get-Alias) { $aliases[$alias.Name] = $alias.Definition }
$windowsOnlyAliases = @{
    ac = 'Add-Content'; cat = 'Get-Content'; compare = 'Compare-Object'; cp = 'Copy-Item'; cpp = 'Copy-ItemProperty'
    curl = 'Invoke-WebRequest'; diff = 'Compare-Object'; kill = 'Stop-Process'; lp = 'Out-Printer'; ls = 'Get-ChildItem'
    man = 'help'; mount = 'New-PSDrive'; mv = 'Move-Item'; ps = 'Get-Process'; rm = 'Remove-Item'; rmdir = 'Remove-Item'
    sc = 'Set-Content'; sleep = 'Start-Sleep'; sort = 'Sort-Object'; start = 'Start-Process'; tee = 'Tee-Object'
    wget = 'Invoke-WebRequest'; write = 'Write-Output'; gwmi = 'Get-WmiObject'; iwmi = 'Invoke-WmiMethod'
}
foreach ($name in $windowsOnlyAliases.Keys) { if (-not $aliases.ContainsKey($name)) { $aliases[$name] = $windowsOnlyAliases[$name] } }

$approvedVerbs = @{}
foreach ($verb in Get-Verb) { $approvedVerbs[$verb.Verb] = $true }

# Calls that must stop the script when they fail: silencing their errors hides the failure the result line must report.
$mustStop = @('Start-ADSyncSyncCycle', 'Get-ADSyncScheduler', 'Get-ADSyncConnectorRunStatus', 'Get-ADSyncRunProfileResult',
    'Import-Module', 'Invoke-RestMethod', 'Invoke-WebRequest')

# Native programs the hooks call; PowerShell does not stop on their failure, only $LASTEXITCODE says it.
$nativePrograms = @('az', 'azd', 'npm', 'npx', 'node', 'dotnet', 'git', 'func', 'bicep', 'pwsh', 'powershell')

# Commands that write nothing to the Output stream (a runbook may call them at its top level).
$quietCommands = @('Set-StrictMode', 'Write-Verbose', 'Write-Warning', 'Write-Debug', 'Write-Error', 'Start-Sleep')

# Switch parameters commonly given without a value: the next element is then positional, not their argument.
$knownSwitches = @('Verbose', 'Debug', 'Force', 'PassThru', 'Recurse', 'Compress', 'Unique', 'Raw', 'NoNewline',
    'Exactly', 'File', 'Directory', 'NoProfile', 'AsHashtable', 'Descending', 'CaseSensitive', 'Append', 'WhatIf', 'Confirm')

$passwordNames = @('Password', 'Pass', 'Passwords', 'Passphrase', 'Passphrases', 'PasswordParam')

# ---------------------------------------------------------------------------------------------------------------------

function Resolve-CommandName {
    <# The cmdlet an alias stands for, or the name itself. #>
    param([string] $Name)
    if ($aliases.ContainsKey($Name)) { return $aliases[$Name] }
    $Name
}

function Get-ParameterArgument {
    <# The value given to -Name on a command (its argument, or the element after it), or $null. #>
    param([CommandAst] $Command, [string[]] $Names)
    $elements = $Command.CommandElements
    for ($i = 1; $i -lt $elements.Count; $i++) {
        $element = $elements[$i]
        if ($element -isnot [CommandParameterAst]) { continue }
        $matched = @($Names | Where-Object { $_.StartsWith($element.ParameterName, [StringComparison]::OrdinalIgnoreCase) })
        if ($matched.Count -eq 0) { continue }
        if ($null -ne $element.Argument) { return $element.Argument }
        if ($i + 1 -lt $elements.Count -and $elements[$i + 1] -isnot [CommandParameterAst]) { return $elements[$i + 1] }
    }
    $null
}

function Get-PositionalArgumentCount {
    param([CommandAst] $Command)
    $count = 0
    $elements = $Command.CommandElements
    for ($i = 1; $i -lt $elements.Count; $i++) {
        $element = $elements[$i]
        if ($element -is [CommandParameterAst]) {
            # "-Name value": the value belongs to the parameter unless the parameter is a switch given bare.
            $isSwitch = $knownSwitches -contains $element.ParameterName
            if ($null -eq $element.Argument -and -not $isSwitch -and $i + 1 -lt $elements.Count -and
                $elements[$i + 1] -isnot [CommandParameterAst]) { $i++ }
            continue
        }
        if ($element -is [StringConstantExpressionAst] -and $element.Value -eq '--%') { break }
        $count++
    }
    $count
}

function Get-EnclosingStatement {
    <# The statement that holds $Ast directly inside a block (a named block or a statement block). #>
    param([Ast] $Ast)
    $node = $Ast
    while ($null -ne $node.Parent -and $node.Parent -isnot [NamedBlockAst] -and $node.Parent -isnot [StatementBlockAst]) {
        $node = $node.Parent
    }
    $node
}

function Get-NextStatement {
    param([Ast] $Statement)
    $parent = $Statement.Parent
    if ($null -eq $parent) { return $null }
    $statements = $parent.Statements
    for ($i = 0; $i -lt $statements.Count - 1; $i++) {
        if ([object]::ReferenceEquals($statements[$i], $Statement)) { return $statements[$i + 1] }
    }
    $null
}

function Test-QuietStatement {
    <# True when a top-level runbook statement cannot write to the Output stream. #>
    param([Ast] $Statement)
    if ($Statement -is [FunctionDefinitionAst] -or $Statement -is [AssignmentStatementAst]) { return $true }
    if ($Statement -is [IfStatementAst]) {
        foreach ($clause in $Statement.Clauses) { if (-not (Test-QuietBlock $clause.Item2)) { return $false } }
        return ($null -eq $Statement.ElseClause -or (Test-QuietBlock $Statement.ElseClause))
    }
    if ($Statement -is [LoopStatementAst]) { return (Test-QuietBlock $Statement.Body) }
    if ($Statement -is [PipelineAst] -and $Statement.PipelineElements.Count -eq 1) {
        $element = $Statement.PipelineElements[0]
        if ($element -is [CommandAst]) {
            $name = Resolve-CommandName ([string] $element.GetCommandName())
            return ($quietCommands -contains $name)
        }
    }
    $false
}

function Test-QuietBlock {
    param([StatementBlockAst] $Block)
    foreach ($statement in $Block.Statements) { if (-not (Test-QuietStatement $statement)) { return $false } }
    $true
}

function Test-File {
    param([string] $Path, [ValidateSet('Runbook', 'Script', 'Module', 'Compat')] [string] $CheckProfile)

    $findings = [System.Collections.Generic.List[object]]::new()
    $add = {
        param([string] $Rule, [object] $Extent, [string] $Message)
        $line = 1; $column = 1
        if ($Extent -is [IScriptExtent]) { $line = $Extent.StartLineNumber; $column = $Extent.StartColumnNumber }
        elseif ($Extent -is [array]) { $line = [int] $Extent[0]; $column = [int] $Extent[1] }
        $findings.Add([ordered]@{ rule = $Rule; line = $line; column = $column; message = $Message })
    }
    $style = $CheckProfile -ne 'Compat'
    $isRunbook = $CheckProfile -eq 'Runbook'
    $isModule = $CheckProfile -eq 'Module'

    # --- bytes: encoding -------------------------------------------------------------------------------------------
    $bytes = [System.IO.File]::ReadAllBytes($Path)
    $hasBom = $bytes.Length -ge 3 -and $bytes[0] -eq 0xEF -and $bytes[1] -eq 0xBB -and $bytes[2] -eq 0xBF
    $firstNonAscii = -1
    for ($i = 0; $i -lt $bytes.Length; $i++) { if ($bytes[$i] -gt 0x7F -and -not ($hasBom -and $i -lt 3)) { $firstNonAscii = $i; break } }
    if ($firstNonAscii -ge 0) {
        $before = $bytes[0..([Math]::Max(0, $firstNonAscii - 1))]
        $line = 1 + @($before | Where-Object { $_ -eq 0x0A }).Count
        $lastNewline = [Array]::LastIndexOf([byte[]] $bytes, [byte] 0x0A, [Math]::Max(0, $firstNonAscii - 1))
        $column = $firstNonAscii - $lastNewline
        if ($firstNonAscii -eq 0) { $line = 1; $column = 1 }
        if (-not $hasBom) {
            & $add 'Encoding.NonAsciiWithoutBom' @($line, $column) 'non-ASCII text in a file without a UTF-8 BOM: Windows PowerShell 5.1 reads it as ANSI and garbles it (use ASCII, or save as UTF-8 with BOM)'
        }
        if ($isRunbook) {
            & $add 'Runbook.NonAscii' @($line, $column) 'non-ASCII text in the runbook: keep it ASCII, so that no encoding step between this file, the Automation draft/content upload and the worker can change it'
        }
    }

    # --- parse -----------------------------------------------------------------------------------------------------
    $tokens = $null; $errors = $null
    $ast = [Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
    foreach ($parseError in $errors) { & $add 'Parse.Error' $parseError.Extent $parseError.Message }

    # --- PowerShell 7-only syntax ------------------------------------------------------------------------------------
    foreach ($node in $ast.FindAll({ param($n) $n -is [TernaryExpressionAst] }, $true)) {
        & $add 'PS7.TernaryOperator' $node.Extent 'the ternary operator (a ? b : c) needs PowerShell 7; use if/else'
    }
    foreach ($node in $ast.FindAll({ param($n) $n -is [BinaryExpressionAst] -and $n.Operator -eq [TokenKind]::QuestionQuestion }, $true)) {
        & $add 'PS7.NullCoalescing' $node.Extent 'the ?? operator needs PowerShell 7; use if ($null -eq ...)'
    }
    foreach ($node in $ast.FindAll({ param($n) $n -is [AssignmentStatementAst] -and $n.Operator -eq [TokenKind]::QuestionQuestionEquals }, $true)) {
        & $add 'PS7.NullCoalescing' $node.Extent 'the ??= operator needs PowerShell 7; use if ($null -eq ...)'
    }
    foreach ($node in $ast.FindAll({ param($n) ($n -is [MemberExpressionAst] -or $n -is [IndexExpressionAst]) -and $n.NullConditional }, $true)) {
        & $add 'PS7.NullConditional' $node.Extent 'null-conditional access (?. or ?[]) needs PowerShell 7'
    }
    foreach ($node in $ast.FindAll({ param($n) $n -is [PipelineChainAst] }, $true)) {
        & $add 'PS7.PipelineChain' $node.Extent 'pipeline chains (&& and ||) need PowerShell 7; check $? or $LASTEXITCODE with if'
    }
    foreach ($node in $ast.FindAll({ param($n) $n -is [ScriptBlockAst] -and $null -ne $n.CleanBlock }, $true)) {
        & $add 'PS7.CleanBlock' $node.CleanBlock.Extent 'a clean {} block needs PowerShell 7.3; use try/finally in end {}'
    }
    foreach ($node in $ast.FindAll({ param($n) $n -is [PipelineAst] -and $n.Background }, $true)) {
        & $add 'PS7.BackgroundOperator' $node.Extent 'the background operator (&) needs PowerShell 6; use Start-Job'
    }
    foreach ($token in $tokens) {
        if ($token.Kind -in @([TokenKind]::StringExpandable, [TokenKind]::HereStringExpandable) -and $token.Text -match '(?<!`)`u\{') {
            & $add 'PS7.UnicodeEscape' $token.Extent 'the `u{...} escape needs PowerShell 6; use [char]0x...'
        }
    }
    foreach ($node in $ast.FindAll({ param($n) $n -is [VariableExpressionAst] }, $true)) {
        $name = $node.VariablePath.UserPath
        if ($ps7Variables -contains $name) {
            & $add 'PS7.AutomaticVariable' $node.Extent "`$$name is not defined on Windows PowerShell 5.1 (it reads as `$null there)"
        }
    }

    # --- commands ----------------------------------------------------------------------------------------------------
    foreach ($command in $ast.FindAll({ param($n) $n -is [CommandAst] }, $true)) {
        $rawName = $command.GetCommandName()
        if ($null -eq $rawName) { continue }
        $name = Resolve-CommandName $rawName

        if ($ps7Commands.ContainsKey($name)) {
            & $add 'PS7.Command' $command.Extent "$name needs PowerShell $($ps7Commands[$name]); Windows PowerShell 5.1 does not have it"
        }
        if ($ps7Parameters.ContainsKey($name)) {
            foreach ($parameter in @($command.CommandElements | Where-Object { $_ -is [CommandParameterAst] })) {
                $used = $parameter.ParameterName
                $hit = @($ps7Parameters[$name] | Where-Object { $used.Length -ge 2 -and $_.StartsWith($used, [StringComparison]::OrdinalIgnoreCase) })
                if ($hit.Count -gt 0) {
                    & $add 'PS7.Parameter' $parameter.Extent "$name -$($hit[0]) needs PowerShell 6 or later; Windows PowerShell 5.1 does not have it"
                }
            }
        }
        if ($name -eq 'Join-Path' -and (Get-PositionalArgumentCount $command) -ge 3) {
            & $add 'PS7.JoinPathPositional' $command.Extent 'Join-Path with 3 or more positional paths needs PowerShell 6 (5.1 takes Path and ChildPath only); nest Join-Path calls'
        }
        $encoding = Get-ParameterArgument $command @('Encoding')
        if ($null -ne $encoding -and $encoding -is [StringConstantExpressionAst] -and $ps7EncodingNames -contains $encoding.Value) {
            & $add 'PS7.EncodingName' $encoding.Extent "-Encoding $($encoding.Value) is not a Windows PowerShell 5.1 encoding name (it has UTF8, which writes a BOM, ASCII, Unicode, ...)"
        }

        if (-not $style) { continue }

        if ($aliases.ContainsKey($rawName)) {
            & $add 'Style.Alias' $command.CommandElements[0].Extent "'$rawName' is an alias of $($aliases[$rawName]); write the command's name"
        }
        if ($name -eq 'Invoke-Expression') {
            & $add 'Style.InvokeExpression' $command.Extent 'Invoke-Expression runs a string as code'
        }
        if ($mustStop -contains $name) {
            $action = Get-ParameterArgument $command @('ErrorAction', 'ea')
            if ($null -ne $action -and $action.Extent.Text -match 'SilentlyContinue|Ignore') {
                & $add 'Style.SilencedMustStop' $action.Extent "$name must stop on failure; -ErrorAction $($action.Extent.Text) hides its error"
            }
        }
        # Verb-Noun commands only: a native program's arguments are all positional by nature.
        if ($name -match '^[A-Za-z]+-[A-Za-z]' -and (Get-PositionalArgumentCount $command) -ge 3) {
            & $add 'Style.PositionalArguments' $command.Extent "$rawName is given 3 or more positional arguments; name them"
        }
        if ($nativePrograms -contains $rawName) {
            $statement = Get-EnclosingStatement $command
            $next = Get-NextStatement $statement
            $checked = $null -ne $next -and $next -is [IfStatementAst] -and $next.Clauses[0].Item1.Extent.Text -match '\$LASTEXITCODE'
            if (-not $checked) {
                & $add 'Style.NativeExitCode' $command.Extent "$rawName is a native program: PowerShell does not stop when it fails; check `$LASTEXITCODE in the next statement"
            }
        }
        if ($isRunbook -and $name -in @('Write-Host', 'Out-Host')) {
            & $add 'Runbook.HostOutput' $command.Extent "$name in a runbook: the job has no host, and its one result line must be the only output"
        }
    }

    if ($style) {
        # Strings run as code, by other means than Invoke-Expression.
        foreach ($node in $ast.FindAll({ param($n) $n -is [InvokeMemberExpressionAst] }, $true)) {
            $member = $node.Member.Extent.Text
            $target = $node.Expression.Extent.Text
            if (($member -eq 'Create' -and $target -match '^\[(System\.Management\.Automation\.)?scriptblock\]$') -or
                $member -in @('InvokeScript', 'NewScriptBlock')) {
                & $add 'Style.InvokeExpression' $node.Extent "$target::$member runs a string as code"
            }
            if ($isRunbook -and $target -match '^\[(System\.)?Console\]$' -and $member -match '^Write') {
                & $add 'Runbook.HostOutput' $node.Extent "[Console]::$member in a runbook: the job has no console, and its one result line must be the only output"
            }
        }
        foreach ($node in $ast.FindAll({ param($n) $n -is [FunctionDefinitionAst] }, $true)) {
            if ($node.Name -match '^([A-Za-z]+)-') {
                $verb = $Matches[1]
                if (-not $approvedVerbs.ContainsKey($verb)) {
                    & $add 'Style.ApprovedVerb' $node.Extent "'$verb' in $($node.Name) is not an approved verb (Get-Verb)"
                }
            }
        }
        $equality = @([TokenKind]::Ieq, [TokenKind]::Ine, [TokenKind]::Ceq, [TokenKind]::Cne)
        foreach ($node in $ast.FindAll({ param($n) $n -is [BinaryExpressionAst] -and $equality -contains $n.Operator }, $true)) {
            if ($node.Right -is [VariableExpressionAst] -and $node.Right.VariablePath.UserPath -eq 'null') {
                & $add 'Style.NullOnRight' $node.Extent 'put $null on the left: with an array on the left, -eq/-ne filter its elements instead of comparing'
            }
        }
        foreach ($node in $ast.FindAll({ param($n) $n -is [CatchClauseAst] }, $true)) {
            if ($node.Body.Statements.Count -eq 0) {
                & $add 'Style.EmptyCatch' $node.Extent 'an empty catch block swallows the error; handle it, or say why and rethrow/Write-Warning'
            }
        }
        foreach ($node in $ast.FindAll({ param($n) $n -is [ParameterAst] }, $true)) {
            $parameterName = $node.Name.VariablePath.UserPath
            $isPasswordName = @($passwordNames | Where-Object { $parameterName -like "*$_*" }).Count -gt 0
            $type = $node.StaticType
            $safe = $type -eq [securestring] -or $type -eq [pscredential] -or $type -eq [switch]
            if ($isPasswordName -and -not $safe) {
                & $add 'Style.PlainTextPassword' $node.Extent "`$$parameterName holds a password as plain text; use [securestring] or [pscredential]"
            }
        }
        $setsStop = $false
        if ($null -ne $ast.EndBlock) {
            foreach ($statement in $ast.EndBlock.Statements) {
                if ($statement -is [AssignmentStatementAst] -and $statement.Left.Extent.Text -match '^\$ErrorActionPreference$' -and
                    $statement.Right.Extent.Text -match "^['""]Stop['""]$") { $setsStop = $true }
            }
        }
        if (-not $setsStop -and -not $isModule) {
            & $add 'Style.ErrorActionPreference' @(1, 1) "the script does not set `$ErrorActionPreference = 'Stop' at its top level: a failed step would not stop it"
        }
    }

    if ($isModule) {
        # One function, named as the file, and nothing else: the root module dot-sources every file at import.
        $expected = [System.IO.Path]::GetFileNameWithoutExtension($Path)
        $topLevel = @()
        if ($null -ne $ast.EndBlock) { $topLevel = @($ast.EndBlock.Statements) }
        foreach ($block in @($ast.BeginBlock, $ast.ProcessBlock, $ast.DynamicParamBlock)) {
            if ($null -ne $block) { $topLevel += @($block.Statements) }
        }
        if ($null -ne $ast.ParamBlock) {
            & $add 'Module.OneFunctionPerFile' $ast.ParamBlock.Extent 'a param() block at the top of a function file: the file is dot-sourced by the root module, not run'
        }
        $functions = @($topLevel | Where-Object { $_ -is [FunctionDefinitionAst] })
        foreach ($statement in @($topLevel | Where-Object { $_ -isnot [FunctionDefinitionAst] })) {
            & $add 'Module.OneFunctionPerFile' $statement.Extent 'a statement outside the function: it would run when the module is imported'
        }
        if ($functions.Count -ne 1) {
            & $add 'Module.OneFunctionPerFile' @(1, 1) "a function file must define exactly one function (found $($functions.Count))"
        } elseif ($functions[0].Name -ne $expected) {
            & $add 'Module.OneFunctionPerFile' $functions[0].Extent "the function is $($functions[0].Name), the file $expected.ps1: name the file after its function"
        }
    }

    if ($isRunbook) {
        $requires = $ast.ScriptRequirements
        if ($null -eq $requires -or $null -eq $requires.RequiredPSVersion) {
            & $add 'Runbook.RequiresVersion' @(1, 1) 'the runbook does not say #Requires -Version 5.1'
        } elseif ($requires.RequiredPSVersion -gt [version] '5.1') {
            & $add 'Runbook.RequiresVersion' @(1, 1) "the runbook requires PowerShell $($requires.RequiredPSVersion); the Hybrid Worker runs Windows PowerShell 5.1"
        }
        # The result line is the one Output record: only the last top-level statement may write output, and it must be
        # Write-Output; before it, only statements that cannot write output (definitions, assignments, quiet commands).
        $statements = @()
        if ($null -ne $ast.EndBlock) { $statements = @($ast.EndBlock.Statements) }
        $writers = @($ast.FindAll({ param($n) $n -is [CommandAst] -and (Resolve-CommandName ([string] $n.GetCommandName())) -eq 'Write-Output' }, $true))
        $last = $null
        if ($statements.Count -gt 0) { $last = $statements[-1] }
        $lastIsWriteOutput = $null -ne $last -and $last -is [PipelineAst] -and $last.PipelineElements[0] -is [CommandAst] -and
            (Resolve-CommandName ([string] $last.PipelineElements[0].GetCommandName())) -eq 'Write-Output'
        if (-not $lastIsWriteOutput) {
            & $add 'Runbook.OneOutputRecord' @(1, 1) 'the runbook''s last top-level statement must be the Write-Output of its result line'
        }
        if ($writers.Count -gt 1) {
            foreach ($writer in $writers) {
                if ($null -eq $last -or -not [object]::ReferenceEquals($writer.Parent, $last)) {
                    & $add 'Runbook.OneOutputRecord' $writer.Extent 'a second Write-Output: the result line must be the runbook''s only output'
                }
            }
        }
        for ($i = 0; $i -lt $statements.Count - 1; $i++) {
            if (-not (Test-QuietStatement $statements[$i])) {
                & $add 'Runbook.OneOutputRecord' $statements[$i].Extent 'a top-level statement that can write to the Output stream before the result line; assign it or send it to $null'
            }
        }
    }

    [ordered]@{ path = $Path; profile = $CheckProfile; findings = @($findings) }
}

$results = [System.Collections.Generic.List[object]]::new()
$missing = $false
foreach ($entry in @(
        @($Runbook | ForEach-Object { @{ Path = $_; Profile = 'Runbook' } })
        @($Script | ForEach-Object { @{ Path = $_; Profile = 'Script' } })
        @($Module | ForEach-Object { @{ Path = $_; Profile = 'Module' } })
        @($Compat | ForEach-Object { @{ Path = $_; Profile = 'Compat' } })
    )) {
    if (-not (Test-Path -LiteralPath $entry.Path -PathType Leaf)) {
        Write-Error -Message "check-powershell: no such file: $($entry.Path)" -ErrorAction Continue
        $missing = $true
        continue
    }
    $results.Add((Test-File -Path (Resolve-Path -LiteralPath $entry.Path).ProviderPath -CheckProfile $entry.Profile))
}

$total = 0
foreach ($result in $results) { $total += $result.findings.Count }
if ($Format -eq 'Json') {
    [ordered]@{ files = @($results) } | ConvertTo-Json -Depth 6 -Compress
} else {
    foreach ($result in $results) {
        $shown = $result.path
        if ($shown.StartsWith($repoRoot + [System.IO.Path]::DirectorySeparatorChar)) { $shown = $shown.Substring($repoRoot.Length + 1) }
        foreach ($finding in $result.findings) {
            '{0}:{1}:{2}: {3}: {4}' -f $shown, $finding.line, $finding.column, $finding.rule, $finding.message
        }
    }
    'check-powershell: {0} file(s) checked, {1} finding(s)' -f $results.Count, $total
}
if ($missing) { exit 2 }
if ($total -gt 0) { exit 1 }
exit 0
