"""CPU cost of the runbook lint (``plugins/module_utils/runbook_lint.py``): the text rules over a 500-line
runbook, the median of several rounds of process CPU time. ``measure()`` returns the figure for ``make bench``;
``python -m tests.bench.runbook_lint`` prints it."""
import json
import os
import statistics
import sys
import time

from tests.emulator.client import REPO_ROOT

COLLECTIONS = os.environ.get("ANSIBLE_COLLECTIONS_PATH") or os.path.join(REPO_ROOT, ".collections")

HEADER = """<#
.SYNOPSIS
    Archive-mailbox housekeeping for the tenant (a bench runbook: every construct the lint reads).
#>
param(
    [Parameter(Mandatory = $false)]
    [string]$Organization = 'contoso.onmicrosoft.com',
    [string]$ClientId = 'bf6dcc76-4331-4942-8d50-87ea41d6e8a1'
)
$ErrorActionPreference = 'Stop'
$connect = @{
    ManagedIdentity          = $true
    Organization             = $Organization
    ManagedIdentityAccountId = $ClientId
    ShowBanner               = $false
}
"""

BLOCK = """try {
    Connect-ExchangeOnline @connect
    # Write-Host here is a comment, Connect-ExchangeOnline -Credential $c too
    $mailboxes = Get-EXOMailbox -ResultSize Unlimited -Properties ArchiveStatus, RecipientTypeDetails `
        -Filter "RecipientTypeDetails -eq 'UserMailbox'"
    foreach ($mbx in $mailboxes) {
        if ($mbx.ArchiveStatus -ne 'Active') {
            Enable-Mailbox -Identity $mbx.UserPrincipalName -Archive | Out-Null
            Write-Output ("Archive enabled for {0}" -f $mbx.UserPrincipalName)
        }
    }
    $report = @"
Mailboxes checked: $($mailboxes.Count)
Write-Host is not called here: Connect-ExchangeOnline -UseRPSSession
"@
    Write-Output $report
}
finally {
    Disconnect-ExchangeOnline -Confirm:$false
}
"""

LINES = 500


def runbook(lines=LINES):
    """A runbook of ``lines`` lines: the header, then the block repeated."""
    text = HEADER
    while text.count("\n") < lines:
        text += BLOCK
    return "\n".join(text.splitlines()[:lines]) + "\n"


def _engine():
    if COLLECTIONS not in sys.path:
        sys.path.insert(0, COLLECTIONS)
    from ansible_collections.m365.exo_automation.plugins.module_utils import runbook_lint
    return runbook_lint


def measure(rounds=21):
    """``{"lint_500_lines_cpu_ms": median CPU ms of one lint of a 500-line runbook}``."""
    engine = _engine()
    text = runbook()
    engine.lint_text(text)  # warm: compiled regular expressions, imports
    times = []
    for _round in range(rounds):
        start = time.process_time()
        engine.lint_text(text)
        times.append((time.process_time() - start) * 1000.0)
    return {"lint_500_lines_cpu_ms": round(statistics.median(times), 2)}


if __name__ == "__main__":
    print(json.dumps(measure()))
