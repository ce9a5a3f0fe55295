<#
.SYNOPSIS
    Enables the archive mailbox of a mailbox and reports its status.
#>
param(
    [Parameter(Mandatory = $true)]
    [string] $Mailbox,
    [Parameter(Mandatory = $true)]
    [string] $Organization,
    [string] $ManagedIdentityAccountId = ''
)

$ErrorActionPreference = 'Stop'
try {
    if ($ManagedIdentityAccountId) {
        Connect-ExchangeOnline -ManagedIdentity -Organization $Organization -ManagedIdentityAccountId $ManagedIdentityAccountId
    }
    else {
        Connect-ExchangeOnline -ManagedIdentity -Organization $Organization
    }
    $current = Get-EXOMailbox -Identity $Mailbox -Properties ArchiveStatus
    if ($current.ArchiveStatus -eq 'Active') {
        Write-Output "The archive of $Mailbox is already enabled"
    }
    else {
        Enable-Mailbox -Identity $Mailbox -Archive | Out-Null
        Write-Output "Enabled the archive of $Mailbox"
    }
}
finally {
    Disconnect-ExchangeOnline -Confirm:$false
}
