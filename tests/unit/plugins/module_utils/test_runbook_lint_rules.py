# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The text rules of the runbook lint, table-driven: each rule fires on its bad forms (at the right line) and is
silent on the good forms, inside comments, strings and here-strings; splatting and variables are followed."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.m365.exo_automation.plugins.module_utils import runbook_lint as rl

ORG = "contoso.onmicrosoft.com"
GOOD_CONNECT = "Connect-ExchangeOnline -ManagedIdentity -Organization %s" % ORG
CLOSE = "\nDisconnect-ExchangeOnline -Confirm:$false\n"


def wrapped(body):
    """``body`` in a runbook that is otherwise clean (try/finally with the disconnect)."""
    return "$ErrorActionPreference = 'Stop'\ntry {\n%s\n}\nfinally {\n    Disconnect-ExchangeOnline -Confirm:$false\n}\n" \
        % body


def rules_of(text, rule=None):
    found = rl.lint_text(text)
    return [(f["rule"], f["line"]) for f in found if rule is None or f["rule"] == rule]


# (rule, bad scripts: the rule fires on line 3 of wrapped(body), good bodies: silent)
TABLE = [
    ("EXO001",
     ["Connect-ExchangeOnline -Organization %s" % ORG,
      "Connect-ExchangeOnline",
      "Connect-ExchangeOnline -UserPrincipalName admin@contoso.com",
      "ExchangeOnlineManagement\\Connect-ExchangeOnline -ShowBanner:$false",
      "Connect-ExchangeOnline -ManagedIdentity:$false -Organization %s" % ORG],
     [GOOD_CONNECT,
      "Connect-ExchangeOnline -ManagedIdentity:$true -Organization %s" % ORG,
      "Connect-ExchangeOnline -CertificateThumbprint $thumb -AppId $app -Organization %s" % ORG,
      "Connect-ExchangeOnline -AccessToken $token -Organization %s" % ORG]),
    ("EXO002",
     ["Connect-ExchangeOnline -ManagedIdentity",
      "Connect-ExchangeOnline -ManagedIdentity -ManagedIdentityAccountId bf6dcc76-4331-4942-8d50-87ea41d6e8a1",
      "$p = @{ ManagedIdentity = $true }\nConnect-ExchangeOnline @p"],
     [GOOD_CONNECT,
      "Connect-ExchangeOnline -ManagedIdentity -Org %s" % ORG,
      "Connect-ExchangeOnline -ManagedIdentity -Organization:%s" % ORG,
      "$p = @{ ManagedIdentity = $true; Organization = '%s' }\nConnect-ExchangeOnline @p" % ORG]),
    ("EXO003",
     ["Connect-ExchangeOnline -ManagedIdentity -Organization contoso.com",
      "Connect-ExchangeOnline -ManagedIdentity -Organization 'contoso'",
      "$Org = 'contoso.com'\nConnect-ExchangeOnline -ManagedIdentity -Organization $Org",
      "$Org = 'contoso.com'\nConnect-ExchangeOnline -ManagedIdentity -Organization \"$Org\"",
      "$p = @{\n  ManagedIdentity = $true\n  Organization = 'fabrikam.com'\n}\nConnect-ExchangeOnline @p"],
     [GOOD_CONNECT,
      "Connect-ExchangeOnline -ManagedIdentity -Organization 'CONTOSO.onmicrosoft.com'",
      "Connect-ExchangeOnline -ManagedIdentity -Organization 3f6c1f0e-2a5b-4c8d-9e7f-0a1b2c3d4e5f",
      "Connect-ExchangeOnline -ManagedIdentity -Organization (Get-AutomationVariable -Name Org)",
      "Connect-ExchangeOnline -ManagedIdentity -Organization $env:EXO_ORG",
      "$Org = Get-AutomationVariable -Name 'Organization'\nConnect-ExchangeOnline -ManagedIdentity -Organization $Org"]),
    ("EXO004",
     ["$s = New-PSSession -ConfigurationName Microsoft.Exchange -ConnectionUri "
      "https://outlook.office365.com/powershell-liveid/ -Credential $c -Authentication Basic -AllowRedirection",
      "New-PSSession -ConnectionUri 'https://ps.outlook.com/powershell/' -ConfigurationName Microsoft.Exchange",
      "Connect-ExchangeOnline -ManagedIdentity -Organization %s -UseRPSSession" % ORG],
     [GOOD_CONNECT,
      "$s = New-PSSession -ComputerName server01",
      "Connect-ExchangeOnline -ManagedIdentity -Organization %s -UseRPSSession:$false" % ORG]),
    ("EXO005",
     ["Connect-ExchangeOnline -Credential $cred",
      "$cred = Get-AutomationPSCredential -Name 'exo-admin'\nConnect-ExchangeOnline -Credential $cred -ShowBanner:$false"],
     [GOOD_CONNECT, "$cred = Get-AutomationPSCredential -Name 'sql'\nInvoke-Sqlcmd -Credential $cred"]),
    ("EXO006",
     ["$ClientSecret = 'abc~def'",
      "$password = \"Passw0rd!\"",
      "$sec = ConvertTo-SecureString 'Passw0rd!' -AsPlainText -Force",
      "$sec = ConvertTo-SecureString -String \"Passw0rd!\" -AsPlainText -Force",
      "$pw = 'x1'\n$sec = ConvertTo-SecureString $pw -AsPlainText -Force",
      "$body = @{ client_id = $id; client_secret = 'abc' }",
      "$value = 'Zx18Q~abcdefghijklmnopqrstuvwxyz0123456'"],
     [GOOD_CONNECT,
      "$ClientSecret = Get-AutomationVariable -Name 'ClientSecret'",
      "$password = ''",
      "$sec = ConvertTo-SecureString $encrypted",
      "$sec = ConvertTo-SecureString $fromVault -AsPlainText -Force",
      "$body = @{ client_id = $id; client_secret = $secret }",
      "$SecretName = 'ExoAccountPassword'\n$PasswordVariable = 'exo-password'",
      "$kv = @{ VaultName = 'kv'; SecretName = 'ClientSecret' }"]),
    ("EXO007",
     ["Write-Host 'done'", "Get-EXOMailbox | ForEach-Object { Write-Host $_.Name }", "$x = 1; Write-Host $x"],
     ["Write-Output 'done'", "Get-Command Write-Host", "Write-Verbose 'Write-Host'"]),
]


@pytest.mark.parametrize("rule,body", [(r, b) for r, bad, _good in TABLE for b in bad])
def test_rule_fires_on_the_bad_form(rule, body):
    text = wrapped(body)
    found = rules_of(text, rule)
    assert found, "%s did not fire on %r: %s" % (rule, body, rl.lint_text(text))
    last = 2 + body.count("\n") + 1
    assert all(3 <= line <= last for _r, line in found)


@pytest.mark.parametrize("rule,body", [(r, g) for r, _bad, good in TABLE for g in good])
def test_rule_is_silent_on_the_good_form(rule, body):
    assert rules_of(wrapped(body), rule) == []


@pytest.mark.parametrize("rule,body", [(r, b) for r, bad, _good in TABLE for b in bad])
def test_rule_is_silent_in_comments_and_strings(rule, body):
    indented = body.replace("\n", "\n    ")
    hidden = [
        "# " + body.replace("\n", "\n# "),
        "<#\n%s\n#>" % body,
        "<# %s #>" % body.replace("\n", " "),
        "$text = @'\n%s\n'@" % body,
        "$text = @\"\n%s\n\"@" % body,
        "Write-Output '%s'" % body.replace("'", "''").replace("\n", " "),
        "Write-Output \"%s\"" % body.replace('"', '`"').replace("$", "`$").replace("\n", " "),
        "Write-Verbose 'x' # %s" % indented.replace("\n", " "),
    ]
    for text in hidden:
        assert rules_of(wrapped(GOOD_CONNECT + "\n" + text)) == [], text


def test_clean_runbook_has_no_findings():
    assert rl.lint_text(wrapped(GOOD_CONNECT + "\nGet-EXOMailbox -ResultSize 10 | Write-Output")) == []


def test_exo008_and_exo009_disconnect():
    assert rules_of(GOOD_CONNECT + "\nGet-EXOMailbox\n") == [("EXO008", 1)]
    assert rules_of(GOOD_CONNECT + "\nGet-EXOMailbox" + CLOSE) == [("EXO009", 3)]
    assert rules_of(wrapped(GOOD_CONNECT)) == []
    nested = "try {\n%s\n} finally {\n  if ($true) { Disconnect-ExchangeOnline -Confirm:$false }\n}\n" % GOOD_CONNECT
    assert rules_of(nested) == []
    assert rules_of("Write-Output 'no connection'\n") == []


def test_exo010_notes_connect_mggraph_identity():
    assert rules_of(wrapped(GOOD_CONNECT + "\nConnect-MgGraph -Identity -NoWelcome"), "EXO010") == [("EXO010", 4)]
    assert rules_of(wrapped("Connect-MgGraph -Scopes User.Read"), "EXO010") == []
    assert rl.RULES_BY_ID["EXO010"].severity == "info"


def test_backtick_continuation_keeps_the_parameters_of_the_command():
    text = wrapped("Connect-ExchangeOnline `\n    -ManagedIdentity `\n    -Organization contoso.com")
    assert rules_of(text) == [("EXO003", 5)]
    text = wrapped("Connect-ExchangeOnline `\n    -ManagedIdentity `\n    -Organization %s" % ORG)
    assert rules_of(text) == []


def test_param_default_is_followed():
    text = "param(\n    [string]$Organization = 'contoso.com',\n    [string]$Id\n)\n" + wrapped(
        "Connect-ExchangeOnline -ManagedIdentity -Organization $Organization")
    found = rl.lint_text(text)
    assert [(f["rule"], f["line"]) for f in found] == [("EXO003", 7)]
    assert "(from $Organization)" in found[0]["message"]
    good = text.replace("'contoso.com'", "'%s'" % ORG)
    assert rl.lint_text(good) == []


def test_the_last_assignment_before_the_use_counts():
    text = wrapped("$Org = 'contoso.com'\n$Org = '%s'\nConnect-ExchangeOnline -ManagedIdentity -Organization $Org"
                   % ORG)
    assert rules_of(text) == []


def test_finding_fields_come_from_the_rule_table():
    f = rl.lint_text("Connect-ExchangeOnline -ManagedIdentity\n")[0]
    rule = rl.RULES_BY_ID["EXO002"]
    assert f["rule"] == "EXO002" and f["line"] == 1 and f["column"] == 1
    assert f["error"] == rule.error and "Organization cannot be null for Managed Identity" in f["error"]
    assert f["fix"] == rule.fix and f["link"].startswith("https://learn.microsoft.com/")
    assert f["severity"] == "error"


def test_column_points_at_the_parameter():
    f = rules_of("x\n  Connect-ExchangeOnline -ManagedIdentity -Organization contoso.com" + CLOSE)
    found = [g for g in rl.lint_text("x\n  Connect-ExchangeOnline -ManagedIdentity -Organization contoso.com" + CLOSE)
             if g["rule"] == "EXO003"]
    assert ("EXO003", 2) in f
    assert found[0]["column"] == 43


def test_rule_table_is_complete():
    ids = [r.id for r in rl.RULES]
    assert len(ids) == len(set(ids))
    for r in rl.RULES:
        assert r.severity in rl.SEVERITIES
        assert r.title and r.error and r.cause and r.fix
        assert r.link.startswith("https://learn.microsoft.com/")
        assert r.scope in ("text", "account")


def test_disabled_rules_and_rule_ids():
    text = "Write-Host 'x'\n"
    assert rules_of(text) == [("EXO007", 1)]
    assert rl.lint_text(text, disabled=["exo007"]) == []
    assert rl.check_rule_ids(["exo001", " EXO007 "]) == ["EXO001", "EXO007"]
    with pytest.raises(ValueError, match="rules_disabled: 'EXO999' is not a rule"):
        rl.check_rule_ids(["EXO999"])


def test_lint_counts_and_failing():
    result = rl.lint("Connect-ExchangeOnline -ManagedIdentity\nWrite-Host 'x'\n")
    assert result["counts"] == {"error": 1, "warning": 2, "info": 0}
    assert result["rules_run"] == list(rl.TEXT_RULES)
    assert [f["rule"] for f in rl.failing(result["findings"], "error")] == ["EXO002"]
    assert len(rl.failing(result["findings"], "warning")) == 3
    assert rl.failing(result["findings"], "never") == []
    assert rl.describe(result["findings"][0]).startswith("line 1: EXO002 error: ")


def test_tokenizer_handles_unterminated_text_and_crlf():
    assert rl.lint_text("Write-Output 'never closed\n") == []
    assert rl.lint_text("<# never closed\nWrite-Host 'x'\n") == []
    assert rules_of("Write-Output 1\r\nWrite-Host 'x'\r\n") == [("EXO007", 2)]
    assert rules_of("$h = @'\r\nWrite-Host\r\n'@\r\nWrite-Host 'y'\r\n") == [("EXO007", 4)]


def test_doubled_quotes_and_escapes_stay_in_the_string():
    assert rules_of("Write-Output 'it''s Write-Host'\nWrite-Output \"say `\"Write-Host`\"\"\n") == []


# -- account rules: plain facts -------------------------------------------------------------------------------
SYSTEM_PID = "11111111-1111-1111-1111-111111111111"
UAMI = {"id": "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi-exo",
        "name": "mi-exo", "client_id": "22222222-2222-2222-2222-222222222222",
        "principal_id": "33333333-3333-3333-3333-333333333333"}
OK_ACCESS = {"manage_as_app": True, "accepted_role": True, "roles": ["Exchange Recipient Administrator"]}


def facts(**over):
    out = {
        "runtime": {"name": "PowerShell 5.1", "modules": {
            "exchangeonlinemanagement": {"name": "ExchangeOnlineManagement", "version": "3.7.2", "state": "Succeeded"},
            "microsoft.graph.authentication": {"name": "Microsoft.Graph.Authentication", "version": "2.25.0",
                                               "state": "Succeeded"}}},
        "organization": {"initial": ORG, "tenant_id": "44444444-4444-4444-4444-444444444444",
                         "domains": [ORG, "contoso.com"]},
        "identities": {"system": {"principal_id": SYSTEM_PID}, "user_assigned": [UAMI]},
        "access": {SYSTEM_PID: dict(OK_ACCESS), UAMI["principal_id"]: dict(OK_ACCESS)},
    }
    out.update(over)
    return out


def account_rules(text, **over):
    found, ran = rl.account_findings(rl.Script(text), facts(**over))
    return [f["rule"] for f in found], ran, found


SYSTEM_RUNBOOK = wrapped(GOOD_CONNECT)
USER_RUNBOOK = wrapped(GOOD_CONNECT + " -ManagedIdentityAccountId " + UAMI["client_id"])


@pytest.mark.parametrize("text", [SYSTEM_RUNBOOK, USER_RUNBOOK,
                                  wrapped(GOOD_CONNECT + "\nConnect-MgGraph -Identity")])
def test_account_rules_pass_on_a_fitting_account(text):
    found, ran, _f = account_rules(text)
    assert found == []
    assert ran == list(rl.ACCOUNT_RULES)


@pytest.mark.parametrize("modules,rule,words", [
    ({}, "EXO101", "ExchangeOnlineManagement is not imported for PowerShell 5.1"),
    ({"exchangeonlinemanagement": {"name": "ExchangeOnlineManagement", "version": "3.7.2", "state": "Failed"}},
     "EXO101", "is Failed, not Succeeded"),
    ({"exchangeonlinemanagement": {"name": "ExchangeOnlineManagement", "version": "2.0.5", "state": "Succeeded"}},
     "EXO102", "ExchangeOnlineManagement 2.0.5 is imported"),
])
def test_module_rules(modules, rule, words):
    found, _ran, full = account_rules(SYSTEM_RUNBOOK, runtime={"name": "PowerShell 5.1", "modules": modules})
    assert found == [rule]
    assert words in full[0]["message"]
    assert full[0]["line"] == 3


def test_graph_module_rule():
    runtime = {"name": "runtime environment exo-74", "modules": {"exchangeonlinemanagement": {
        "name": "ExchangeOnlineManagement", "version": "3.0.0", "state": "Succeeded"}}}
    found, _ran, full = account_rules(wrapped(GOOD_CONNECT + "\nConnect-MgGraph -Identity"), runtime=runtime)
    assert found == ["EXO103"]
    assert "runtime environment exo-74" in full[0]["message"]
    assert account_rules(SYSTEM_RUNBOOK, runtime=runtime)[0] == []


@pytest.mark.parametrize("org,words", [
    ("contoso.com", "a verified domain of the tenant, but not its initial domain contoso.onmicrosoft.com"),
    ("fabrikam.onmicrosoft.com", "not a domain of this tenant (its initial domain is contoso.onmicrosoft.com)"),
])
def test_organization_rule(org, words):
    found, _ran, full = account_rules(wrapped("Connect-ExchangeOnline -ManagedIdentity -Organization " + org))
    assert found == ["EXO104"]
    assert words in full[0]["message"]


def test_organization_rule_accepts_the_initial_domain_in_any_case_and_the_tenant_id():
    assert account_rules(wrapped(GOOD_CONNECT.upper().replace("CONNECT-EXCHANGEONLINE -MANAGEDIDENTITY",
                                                              "Connect-ExchangeOnline -ManagedIdentity")))[0] == []
    assert account_rules(wrapped("Connect-ExchangeOnline -ManagedIdentity -Organization "
                                 "44444444-4444-4444-4444-444444444444"))[0] == []


def test_principal_id_instead_of_client_id():
    found, _ran, full = account_rules(wrapped(GOOD_CONNECT + " -ManagedIdentityAccountId " + UAMI["principal_id"]))
    assert found == ["EXO105"]
    assert "principal id of user-assigned identity mi-exo; its client id is " + UAMI["client_id"] in full[0]["message"]
    assert full[0]["error"] == rl.IDENTITY_NOT_ASSIGNED


def test_identity_not_attached_and_no_system_identity():
    other = "55555555-5555-5555-5555-555555555555"
    found, _ran, full = account_rules(wrapped(GOOD_CONNECT + " -ManagedIdentityAccountId " + other))
    assert found == ["EXO106"] and "attached: mi-exo (%s)" % UAMI["client_id"] in full[0]["message"]
    found, _ran, _full = account_rules(SYSTEM_RUNBOOK, identities={"system": None, "user_assigned": [UAMI]})
    assert found == ["EXO107"]


def test_access_rules():
    found, _ran, full = account_rules(SYSTEM_RUNBOOK, access={SYSTEM_PID: {
        "manage_as_app": False, "accepted_role": False, "roles": ["Directory Readers"]}})
    assert found == ["EXO108", "EXO109"]
    assert "holds: Directory Readers" in full[1]["message"]
    found, _ran, full = account_rules(USER_RUNBOOK, access={UAMI["principal_id"]: {
        "manage_as_app": True, "accepted_role": False, "roles": []}})
    assert found == ["EXO109"] and "user-assigned identity mi-exo" in full[0]["message"]
    assert "holds: none" in full[0]["message"]


def test_unknown_facts_skip_their_rules():
    found, ran = rl.account_findings(rl.Script(SYSTEM_RUNBOOK), {})
    assert (found, ran) == ([], [])
    found, ran, _f = account_rules(SYSTEM_RUNBOOK, access=None)
    assert "EXO108" not in ran and found == []
    # an account id from a variable the script does not assign: nothing to compare
    assert account_rules(wrapped(GOOD_CONNECT + " -ManagedIdentityAccountId $Id"))[0] == []


def test_an_empty_param_default_is_not_an_account_id():
    text = ("param([string]$Id = '')\n" + wrapped(
        "if ($Id) { Connect-ExchangeOnline -ManagedIdentity -Organization %s -ManagedIdentityAccountId $Id }\n"
        "else { Connect-ExchangeOnline -ManagedIdentity -Organization %s }" % (ORG, ORG)))
    assert account_rules(text)[0] == []


def test_lint_runs_both_kinds_and_drops_disabled_rules():
    result = rl.lint(wrapped("Connect-ExchangeOnline -ManagedIdentity -Organization contoso.com"), facts())
    assert [f["rule"] for f in result["findings"]] == ["EXO003", "EXO104"]
    assert result["rules_run"] == list(rl.TEXT_RULES) + list(rl.ACCOUNT_RULES)
    result = rl.lint(wrapped("Connect-ExchangeOnline -ManagedIdentity -Organization contoso.com"), facts(),
                     disabled=["EXO104"])
    assert [f["rule"] for f in result["findings"]] == ["EXO003"]
    assert "EXO104" not in result["rules_run"]


def test_version_tuple():
    assert rl.version_tuple("3.0.0") == (3, 0, 0)
    assert rl.version_tuple("3.5.0-Preview1") == (3, 5, 0)
    assert rl.version_tuple(None) == ()
    assert rl.version_tuple("2.0.5") < rl.EXO_MIN_VERSION


def test_curly_quotes_pasted_from_web_pages_are_quotes():
    text = u"Write-Output \u201cWrite-Host\u201d\nWrite-Output \u2018Write-Host\u2019\n" + wrapped(
        u"Connect-ExchangeOnline -ManagedIdentity -Organization \u201ccontoso.com\u201d")
    assert rules_of(text) == [("EXO003", 5)]
