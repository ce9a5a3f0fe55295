"""The emulator's evaluation of a job's PowerShell (tests/emulator/jobs.py), without the HTTP layer."""
import json
import os
from pathlib import Path

import pytest

from tests.emulator import jobs

ORG = "contoso.onmicrosoft.com"
DOMAINS = ["contoso.onmicrosoft.com", "contoso.com"]
EXCHANGE_ADMIN = "29232cdf-9323-42fd-ade2-1d097af3e4de"
PRIVILEGED_ROLE_ADMIN = "e8611ab8-c189-46e8-94e1-60213ab1f814"
SYSTEM_PID, UA_PID, UA_CLIENT = "sys-principal", "ua-principal", "Ua-Client-Id"
CONNECT = f"Connect-ExchangeOnline -ManagedIdentity -Organization {ORG}"


def access(visible=True, manage=True, roles=(EXCHANGE_ADMIN,)):
    return {"visible": visible, "app_id": None, "manage_as_app": manage, "role_template_ids": list(roles)}


def context(modules=("ExchangeOnlineManagement",), system=True, users=None, grants=None, **extra):
    """A job context: by default a 5.1 runtime with ExchangeOnlineManagement, a system identity with
    Exchange.ManageAsApp and Exchange Administrator, and one user-assigned identity with the same."""
    grants = grants if grants is not None else {SYSTEM_PID: access(), UA_PID: access()}
    seen = []

    def exo(pid):
        seen.append(pid)
        result = dict(grants.get(pid) or {
            "visible": False, "app_id": None, "manage_as_app": False, "role_template_ids": []})
        result["app_id"] = result["app_id"] or "app-of-" + pid
        return result

    ctx = {
        "language": "PowerShell", "runtime_version": "5.1",
        "modules": {m.lower(): "3.7.2" for m in modules},
        "system_principal_id": SYSTEM_PID if system else None,
        "user_identities": users if users is not None else {UA_CLIENT.lower(): UA_PID},
        "organization": ORG, "tenant_id": "tenant-1", "accepted_domains": DOMAINS,
        "exo_access": exo, "variables": {}, "log_verbose": False, "_seen": seen,
    }
    ctx.update(extra)
    return ctx


def run(script, params=None, ctx=None):
    return jobs.evaluate(script, params or {}, ctx if ctx is not None else context())


def texts(result, stream):
    return [s["text"] for s in result["streams"] if s["type"] == stream]


def failed_with(result, text):
    assert result["status"] == "Failed", result
    assert result["exception"] == text
    assert texts(result, "Error")[-1] == text


# -- Connect-ExchangeOnline: success ---------------------------------------------------------------
def test_system_identity_connects_and_lists_accepted_domains():
    ctx = context()
    result = run(f"{CONNECT}\nGet-AcceptedDomain\nDisconnect-ExchangeOnline -Confirm:$false", ctx=ctx)
    assert result["status"] == "Completed" and result["exception"] is None
    assert texts(result, "Output") == DOMAINS
    assert texts(result, "Error") == []
    assert ctx["_seen"] == [SYSTEM_PID]


def test_user_assigned_identity_connects_by_client_id_case_insensitively():
    ctx = context(system=False)
    result = run(f"$id = '{UA_CLIENT.upper()}'\n{CONNECT} -ManagedIdentityAccountId $id\nGet-AcceptedDomain", ctx=ctx)
    assert result["status"] == "Completed"
    assert texts(result, "Output") == DOMAINS
    assert ctx["_seen"] == [UA_PID]


def test_organization_is_compared_without_case():
    result = run("Connect-ExchangeOnline -ManagedIdentity -Organization CONTOSO.onmicrosoft.COM\nGet-AcceptedDomain")
    assert texts(result, "Output") == DOMAINS


@pytest.mark.parametrize("template_id", sorted(jobs.EXO_ACCEPTED_ROLE_TEMPLATE_IDS))
def test_every_accepted_entra_role_lets_the_identity_connect(template_id):
    ctx = context(grants={SYSTEM_PID: access(roles=[template_id])})
    assert run(f"{CONNECT}\nGet-AcceptedDomain", ctx=ctx)["status"] == "Completed"


def test_accepted_roles_are_the_ones_of_the_specs():
    path = Path(os.environ.get("EXO_SPECS_DIR", Path(__file__).resolve().parents[3] / "shared" / "specs")) / "graph" / "wellknown.json"
    if not path.exists():
        pytest.skip(f"{path} not found")
    doc = json.loads(path.read_text())
    names = doc["resource_applications"]["office_365_exchange_online"]["exchange_online_powershell_supported_entra_roles"]["roles"]
    by_name = {r["displayName"]: r["templateId"] for r in doc["entra_builtin_roles"]["all_roles"]}
    assert {by_name[n] for n in names} == set(jobs.EXO_ACCEPTED_ROLE_TEMPLATE_IDS)


# -- Connect-ExchangeOnline: each failure, with its text ---------------------------------------------
def test_missing_module_fails_the_job_whatever_the_error_preference():
    # emulator contract: Connect-ExchangeOnline without ExchangeOnlineManagement for the runtime fails the job
    result = run(f"{CONNECT}\nGet-AcceptedDomain\nWrite-Output 'after'", ctx=context(modules=()))
    failed_with(result, jobs.NOT_RECOGNIZED.format("Connect-ExchangeOnline"))
    assert jobs.NOT_RECOGNIZED.format("Connect-ExchangeOnline") == (
        "The term 'Connect-ExchangeOnline' is not recognized as the name of a cmdlet, function, script file, or "
        "operable program. Check the spelling of the name, or if a path was included, verify that the path is "
        "correct and try again.")
    assert texts(result, "Output") == []


def test_missing_module_fails_the_job_when_errors_stop():
    result = run(f"$ErrorActionPreference = 'Stop'\n{CONNECT}\nWrite-Output 'never'", ctx=context(modules=()))
    failed_with(result, jobs.NOT_RECOGNIZED.format("Connect-ExchangeOnline"))
    assert texts(result, "Output") == []
    result = run(f"{CONNECT} -ErrorAction SilentlyContinue\nWrite-Output 'after'", ctx=context(modules=()))
    failed_with(result, jobs.NOT_RECOGNIZED.format("Connect-ExchangeOnline"))


def test_unknown_command_is_a_non_terminating_command_not_found():
    result = run("Get-Mailbox\nWrite-Output 'after'", ctx=context(modules=()))
    assert result["status"] == "Completed"
    assert texts(result, "Error") == [jobs.NOT_RECOGNIZED.format("Get-Mailbox")]
    assert texts(result, "Output") == ["after"]


def test_missing_module_inside_try_goes_to_catch():
    script = f"try {{\n  {CONNECT}\n  Write-Output 'not reached'\n}}\ncatch {{\n  Write-Output \"caught: $_\"\n  throw\n}}"
    result = run(script, ctx=context(modules=()))
    failed_with(result, jobs.NOT_RECOGNIZED.format("Connect-ExchangeOnline"))
    assert texts(result, "Output") == ["caught: " + jobs.NOT_RECOGNIZED.format("Connect-ExchangeOnline")]


def test_statement_error_leaving_try_finally_ends_that_statement_only():
    script = "try {\n  Get-Mailbox\n  Write-Output 'not reached'\n}\nfinally { Write-Output 'cleanup' }\nWrite-Output 'next'"
    result = run(script, ctx=context(modules=()))
    assert result["status"] == "Completed"
    assert texts(result, "Output") == ["cleanup", "next"]
    assert texts(result, "Error") == [jobs.NOT_RECOGNIZED.format("Get-Mailbox")]


def test_error_in_finally_replaces_the_one_on_its_way_out():
    # what a runbook that disconnects in finally reports when the module is missing, as PowerShell does
    script = f"$ErrorActionPreference = 'Stop'\ntry {{ {CONNECT} }}\nfinally {{ Disconnect-ExchangeOnline -Confirm:$false }}"
    failed_with(run(script, ctx=context(modules=())), jobs.NOT_RECOGNIZED.format("Disconnect-ExchangeOnline"))
    guarded = script.replace("Disconnect-ExchangeOnline -Confirm:$false",
                             "if (Get-Command Disconnect-ExchangeOnline -ErrorAction SilentlyContinue) "
                             "{ Disconnect-ExchangeOnline -Confirm:$false }")
    failed_with(run(guarded, ctx=context(modules=())), jobs.NOT_RECOGNIZED.format("Connect-ExchangeOnline"))
    assert run(guarded)["status"] == "Completed"


@pytest.mark.parametrize("account_id", ["another-client-id", UA_PID])
def test_identity_that_is_not_assigned_to_the_account(account_id):
    # the principal (object) id of an attached identity is not its client id either
    result = run(f"{CONNECT} -ManagedIdentityAccountId {account_id}\nWrite-Output 'never'")
    failed_with(result, "The requested identity has not been assigned to this resource.")
    assert texts(result, "Output") == []


def test_no_system_identity():
    result = run(CONNECT, ctx=context(system=False))
    failed_with(result, jobs.NO_SYSTEM_IDENTITY)
    assert "system-assigned managed identity" in result["exception"]


def test_wrong_organization_is_an_authentication_error():
    result = run("Connect-ExchangeOnline -ManagedIdentity -Organization fabrikam.onmicrosoft.com")
    failed_with(result, jobs.TENANT_NOT_FOUND.format("fabrikam.onmicrosoft.com"))
    assert result["exception"].startswith("UnAuthorized")


def test_identity_not_yet_replicated_to_entra():
    ctx = context(grants={SYSTEM_PID: access(visible=False)})
    result = run(CONNECT, ctx=ctx)
    failed_with(result, jobs.NOT_REPLICATED.format("app-of-" + SYSTEM_PID, "tenant-1"))
    assert "AADSTS700016" in result["exception"]


def test_identity_without_exchange_manage_as_app():
    result = run(CONNECT, ctx=context(grants={SYSTEM_PID: access(manage=False)}))
    failed_with(result, "UnAuthorized")


@pytest.mark.parametrize("roles", [(), (PRIVILEGED_ROLE_ADMIN,)])
def test_identity_without_an_accepted_entra_role(roles):
    result = run(CONNECT, ctx=context(grants={SYSTEM_PID: access(roles=roles)}))
    failed_with(result, "The role assigned to application app-of-sys-principal isn't supported in this scenario. "
                        "Please check online documentation for assigning correct Directory Roles to Azure AD "
                        "Application for EXO App-Only Authentication")


def test_checks_come_in_order():
    nothing = context(modules=(), system=False, grants={})
    # module before identity
    stop = "$ErrorActionPreference = 'Stop'\n"
    assert run(stop + CONNECT, ctx=nothing)["exception"] == jobs.NOT_RECOGNIZED.format("Connect-ExchangeOnline")
    # identity before organization
    ctx = context(grants={})
    script = "Connect-ExchangeOnline -ManagedIdentity -Organization fabrikam.com -ManagedIdentityAccountId nope"
    assert run(script, ctx=ctx)["exception"] == jobs.IDENTITY_NOT_ASSIGNED
    # organization before Entra state
    assert run("Connect-ExchangeOnline -ManagedIdentity -Organization fabrikam.com", ctx=ctx)["exception"] == \
        jobs.TENANT_NOT_FOUND.format("fabrikam.com")
    # replication before the app role, the app role before the Entra role
    ctx = context(grants={SYSTEM_PID: access(visible=False, manage=False, roles=())})
    assert "AADSTS700016" in run(CONNECT, ctx=ctx)["exception"]
    ctx = context(grants={SYSTEM_PID: access(manage=False, roles=())})
    assert run(CONNECT, ctx=ctx)["exception"] == "UnAuthorized"


def test_connect_without_managed_identity_cannot_sign_in():
    result = run(f"Connect-ExchangeOnline -Organization {ORG}")
    assert result["status"] == "Failed" and "-ManagedIdentity" in result["exception"]


# -- Exchange cmdlets around the connection ------------------------------------------------------------
def test_exchange_cmdlets_before_connecting():
    result = run("Get-EXOMailbox -Identity x\nGet-AcceptedDomain\nSet-Mailbox -Identity x -Type Shared\nGet-Date")
    assert result["status"] == "Completed"
    assert texts(result, "Error") == [
        "You must call the Connect-ExchangeOnline cmdlet before calling any other cmdlets.",
        jobs.NOT_RECOGNIZED.format("Get-AcceptedDomain"),
        jobs.NOT_RECOGNIZED.format("Set-Mailbox"),
    ]


def test_get_command_tells_what_the_session_has():
    script = """Get-Command Connect-ExchangeOnline | ForEach-Object { Write-Output "has $($_.Name)" }
Get-Command Get-AcceptedDomain -ErrorAction SilentlyContinue
Get-Command Get-EXOMailbox"""
    assert texts(run(script), "Output") == ["has Connect-ExchangeOnline", "Get-EXOMailbox"]
    missing = run(script, ctx=context(modules=()))
    assert texts(missing, "Output") == []
    assert texts(missing, "Error") == [jobs.NOT_RECOGNIZED.format("Connect-ExchangeOnline"),
                                       jobs.NOT_RECOGNIZED.format("Get-EXOMailbox")]


def test_exo_cmdlet_without_the_module_is_not_recognized():
    result = run("Get-EXOMailbox -Identity x", ctx=context(modules=()))
    assert texts(result, "Error") == [jobs.NOT_RECOGNIZED.format("Get-EXOMailbox")]


def test_exchange_cmdlets_after_connecting_are_accepted_silently():
    script = f"""{CONNECT}
Get-EXOMailbox -Identity user@contoso.com | Set-Mailbox -Type Shared
Enable-Mailbox -Identity user@contoso.com -Archive
Get-MobileDevice -Mailbox user@contoso.com | ForEach-Object {{ Write-Output "wipe $($_.Identity)" }}
Write-Output 'done'"""
    result = run(script)
    assert result["status"] == "Completed"
    assert texts(result, "Output") == ["done"]
    assert texts(result, "Error") == []


def test_disconnect_ends_the_session():
    result = run(f"{CONNECT}\nDisconnect-ExchangeOnline -Confirm:$false\nGet-AcceptedDomain")
    assert texts(result, "Error") == [jobs.NOT_RECOGNIZED.format("Get-AcceptedDomain")]


def test_accepted_domains_through_the_pipeline_and_variables():
    script = f"""{CONNECT}
$domains = Get-AcceptedDomain
Write-Output "count=$($domains.Count)"
Write-Output "all: $($domains.DomainName -join ', ')"
Get-AcceptedDomain | Where-Object {{ $_.Default }} | Select-Object -ExpandProperty DomainName
foreach ($d in $domains) {{ Write-Warning "domain $($d.DomainName)" }}
Get-AcceptedDomain -Identity contoso.com | ForEach-Object {{ $_.DomainName.ToUpper() }}"""
    result = run(script)
    assert texts(result, "Output") == ["count=2", "all: contoso.onmicrosoft.com, contoso.com", "contoso.onmicrosoft.com",
                                       "CONTOSO.COM"]
    assert texts(result, "Warning") == ["domain contoso.onmicrosoft.com", "domain contoso.com"]


# -- parameters -------------------------------------------------------------------------------------
PARAMS = """
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)]
    [string]$UserPrincipalName,
    [Parameter(Mandatory)][ValidateNotNullOrEmpty()][string] $Organization,
    [Parameter(Mandatory = $false)]
    [string]$Note = 'none',
    [int]$Count = 2,
    [switch]$WhatIf
)
Write-Output "$UserPrincipalName|$Organization|$Note|$Count|$WhatIf"
"""


def test_mandatory_parameters_missing_fail_with_powershells_text():
    failed_with(run(PARAMS, {"Organization": ORG}),
                "Cannot process command because of one or more missing mandatory parameters: UserPrincipalName.")
    failed_with(run(PARAMS), "Cannot process command because of one or more missing mandatory parameters: "
                             "UserPrincipalName Organization.")


def test_parameters_bind_with_defaults_and_types():
    result = run(PARAMS, {"userprincipalname": "a@contoso.com", "Organization": '"contoso.onmicrosoft.com"'})
    assert texts(result, "Output") == [f"a@contoso.com|{ORG}|none|2|False"]
    result = run(PARAMS, {"UserPrincipalName": "a", "Organization": "o", "Count": "5", "WhatIf": "true", "Note": "n"})
    assert texts(result, "Output") == ["a|o|n|5|True"]


def test_parameter_errors():
    failed_with(run(PARAMS, {"UserPrincipalName": "a", "Organization": "o", "Mailbox": "x"}),
                "A parameter cannot be found that matches parameter name 'Mailbox'.")
    result = run(PARAMS, {"UserPrincipalName": "a", "Organization": "o", "Count": "many"})
    assert result["status"] == "Failed"
    assert result["exception"].startswith("Cannot process argument transformation on parameter 'Count'.")


def test_runbook_parameters_as_azure_shows_them():
    assert jobs.runbook_parameters(PARAMS) == {
        "UserPrincipalName": {"type": "System.String", "isMandatory": True, "position": 0},
        "Organization": {"type": "System.String", "isMandatory": True, "position": 1},
        "Note": {"type": "System.String", "isMandatory": False, "position": 2, "defaultValue": "none"},
        "Count": {"type": "System.Int32", "isMandatory": False, "position": 3, "defaultValue": "2"},
        "WhatIf": {"type": "System.Management.Automation.SwitchParameter", "isMandatory": False, "position": 4},
    }
    assert jobs.runbook_parameters("Write-Output 'no params'") == {}


# -- language subset ------------------------------------------------------------------------------------
def test_strings_quotes_and_interpolation():
    script = r"""
$Name = 'World'
Write-Output "Hello $Name"
Write-Output 'Hello $Name'
Write-Output "Sub: $($Name.Length) ${Name}! `"quoted`" it''s `$Name"
Write-Output 'it''s'
Write-Output "undefined:[$Nope]"
Write-Output ("a" + 'b' + 1)
Write-Output ("{0}-{1}" -f 'x', 'y')
echo 'via echo'
"""
    assert texts(run(script), "Output") == [
        "Hello World", "Hello $Name", "Sub: 5 World! \"quoted\" it''s $Name", "it's", "undefined:[]", "ab1", "x-y",
        "via echo",
    ]


def test_streams_and_what_is_not_recorded():
    script = """
Write-Warning "careful"
Write-Error -Message "bad thing"
Write-Verbose "quiet"
Write-Verbose "loud" -Verbose
Write-Host "host only"
Write-Information "info"
Write-Progress -Activity x
'bare'
42
"""
    result = run(script)
    assert result["status"] == "Completed"
    assert [(s["type"], s["text"]) for s in result["streams"]] == [
        ("Warning", "careful"), ("Error", "bad thing"), ("Verbose", "loud"), ("Output", "bare"), ("Output", "42")]
    verbose = run("$VerbosePreference = 'Continue'\nWrite-Verbose 'v1'")
    assert texts(verbose, "Verbose") == ["v1"]
    assert texts(run("Write-Verbose 'v2'", ctx=context(log_verbose=True)), "Verbose") == ["v2"]


def test_throw_fails_the_job_with_its_text():
    result = run("Write-Output 'before'\nthrow \"Mailbox $('x') not found\"\nWrite-Output 'after'")
    failed_with(result, "Mailbox x not found")
    assert texts(result, "Output") == ["before"]


def test_write_error_stops_only_when_asked():
    assert run("Write-Error 'e'\nWrite-Output 'go on'")["status"] == "Completed"
    failed_with(run("Write-Error 'e' -ErrorAction Stop\nWrite-Output 'never'"), "e")


def test_try_catch_finally():
    script = f"""
try {{
    Connect-ExchangeOnline -ManagedIdentity -Organization {ORG} -ManagedIdentityAccountId nope
    Write-Output 'not reached'
}}
catch {{
    Write-Output "caught: $($_.Exception.Message)"
}}
finally {{
    Write-Output 'cleanup'
}}
Write-Output 'end'"""
    result = run(script)
    assert result["status"] == "Completed"
    assert texts(result, "Output") == [f"caught: {jobs.IDENTITY_NOT_ASSIGNED}", "cleanup", "end"]

    rethrow = run("try { throw 'inner' }\ncatch {\n  Write-Error $_\n  throw\n}\nfinally { Write-Output 'finally ran' }")
    failed_with(rethrow, "inner")
    assert texts(rethrow, "Error") == ["inner", "inner"]
    assert texts(rethrow, "Output") == ["finally ran"]

    allman = run("try\n{\n  Write-Output 'a'\n}\nfinally\n{\n  Write-Output 'b'\n}")
    assert texts(allman, "Output") == ["a", "b"]


def test_if_else_foreach_functions_and_exit():
    script = """
param([string]$Mode = 'b')
function Format-Line([string]$Text, $Suffix = '!') { return "[$Text$Suffix]" }
if ($Mode -eq 'a') { Write-Output 'A' } elseif ($Mode -like 'b*') { Write-Output 'B' } else { Write-Output 'C' }
if (-not $Missing) { Write-Output 'not missing' }
foreach ($i in @(1, 2)) { Write-Output "item $i" }
'x', 'y' | ForEach-Object { Format-Line $_ -Suffix '?' }
Format-Line -Text 'named'
exit
Write-Output 'never'
"""
    assert texts(run(script), "Output") == ["B", "not missing", "item 1", "item 2", "[x?]", "[y?]", "[named!]"]


def test_comments_continuations_and_semicolons():
    script = """<#
.SYNOPSIS
  Write-Output 'in a block comment'
#>
# Write-Output 'in a line comment'
Write-Output `
  'continued'   # trailing comment
Write-Output 'a'; Write-Output 'b'
Get-AcceptedDomain |
  Out-Null
"""
    assert texts(run(script), "Output") == ["continued", "a", "b"]


def test_automation_variables_and_modules():
    ctx = context(variables={"orgname": ORG})
    result = run("$org = Get-AutomationVariable -Name OrgName\nWrite-Output $org\nGet-AutomationVariable -Name Nope", ctx=ctx)
    assert texts(result, "Output") == [ORG]
    assert texts(result, "Error") == ["Variable asset 'Nope' not found."]
    result = run("Import-Module ExchangeOnlineManagement\nImport-Module Az.Accounts\nImport-Module Microsoft.PowerShell.Utility")
    assert texts(result, "Error") == [jobs.MODULE_NOT_LOADED.format("Az.Accounts")]


def test_requires_modules_fails_before_the_script_runs():
    script = "#Requires -Modules @{ModuleName='ExchangeOnlineManagement'; ModuleVersion='3.0.0'}, Az.Accounts\nWrite-Output 'x'"
    result = run(script, ctx=context(runbook_name="Verify"))
    assert result["status"] == "Failed"
    assert result["exception"] == ("The script 'Verify' cannot be run because the following modules that are specified "
                                   "by the \"#requires\" statements of the script are missing: Az.Accounts.")
    assert run(script.replace(", Az.Accounts", ""))["status"] == "Completed"


def test_runtime_version_and_environment_errors():
    ctx = context(runtime_version="7.2")
    assert texts(run("Write-Output $PSVersionTable.PSVersion", ctx=ctx), "Output") == [jobs.PS_VERSIONS["7.2"]]
    failed_with(run("Write-Output 'x'", ctx=context(runtime_error="The runtime environment 'rt' was not found.")),
                "The runtime environment 'rt' was not found.")


def test_python_and_workflow_runbooks():
    result = jobs.evaluate("import sys\nprint('hello')\nprint(\"bye\")\nprint(x)", {}, context(language="Python"))
    assert (result["status"], texts(result, "Output")) == ("Completed", ["hello", "bye"])
    workflow = run("workflow Get-Thing {\n  Write-Output 'x'\n}")
    assert (workflow["status"], workflow["streams"]) == ("Completed", [])


@pytest.mark.parametrize("script", [
    "while ($true) { Write-Output 'loop' }",
    "switch ($x) { 'a' { Write-Output 1 } }",
    "if (",
    "$x = @{ a = 1; b = ",
    "[string[]]$a = 'x', 'y'\nWrite-Output $a[5].Foo.Bar()",
    "Write-Output \"unterminated",
    "} } ) ]",
    "function {",
])
def test_syntax_it_does_not_read_never_breaks_the_job(script):
    result = run(script + "\nWrite-Output 'end'")
    assert result["status"] == "Completed"
    assert "loop" not in texts(result, "Output")
