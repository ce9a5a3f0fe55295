<#
.SYNOPSIS
    Removes a mailbox's data from its mobile devices (Exchange ActiveSync account-only remote wipe).
.DESCRIPTION
    Clear-MobileDevice -AccountOnly removes only the mailbox account (mail, calendar, contacts) from each
    device of the mailbox; the rest of the device is left alone. Runs in Azure Automation with the
    account's managed identity.
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
    $devices = @(Get-MobileDevice -Mailbox $Mailbox)
    if ($devices.Count -eq 0) {
        Write-Output "No mobile devices are registered for $Mailbox"
    }
    foreach ($device in $devices) {
        Clear-MobileDevice -Identity $device.Identity -AccountOnly -Confirm:$false
        Write-Output "Account-only wipe requested on $($device.FriendlyName) ($($device.DeviceId))"
    }
}
finally {
    Disconnect-ExchangeOnline -Confirm:$false
}
