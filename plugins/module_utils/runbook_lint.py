# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checks of Exchange Online runbooks: the PowerShell text (text rules) and its fit to the Automation account
(account rules, functions of plain facts).

The text is split into tokens as PowerShell does as far as the rules need it: ``#`` and ``<# #>`` comments,
single- and double-quoted strings and here-strings (never searched), backtick line continuations, variables
assigned a literal (``$Org = 'contoso.onmicrosoft.com'``, a ``param()`` default), hashtables splatted into a
command (``$p = @{ Organization = '...' }`` then ``Connect-ExchangeOnline @p``) and abbreviated parameter names.

Each finding is a dict: ``rule``, ``severity`` (error, warning, info), ``title``, ``line``, ``column``,
``message`` (what was found), ``error`` (the text the job then fails with, when it does), ``fix`` and ``link``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.m365.exo_automation.plugins.module_utils import wellknown

SEVERITIES = ("error", "warning", "info")

DOCS_MI = "https://learn.microsoft.com/powershell/exchange/connect-exo-powershell-managed-identity"
DOCS_CONNECT = "https://learn.microsoft.com/powershell/module/exchange/connect-exchangeonline"
DOCS_APP_ONLY = "https://learn.microsoft.com/powershell/exchange/app-only-auth-powershell-v2"
DOCS_RPS = "https://learn.microsoft.com/powershell/exchange/exchange-online-powershell-v2#updates-for-the-exo-v3-module"
DOCS_OUTPUT = "https://learn.microsoft.com/azure/automation/automation-runbook-output-and-messages"
DOCS_CREDENTIALS = "https://learn.microsoft.com/azure/automation/shared-resources/credentials"
DOCS_MODULES = "https://learn.microsoft.com/azure/automation/shared-resources/modules"
DOCS_RUNTIME = "https://learn.microsoft.com/azure/automation/runtime-environment-overview"
DOCS_MG = "https://learn.microsoft.com/powershell/microsoftgraph/authentication-commands"
DOCS_UAMI = "https://learn.microsoft.com/azure/automation/add-user-assigned-identity"
DOCS_SAMI = "https://learn.microsoft.com/azure/automation/enable-managed-identity-for-automation"

NOT_RECOGNIZED = ("The term '{0}' is not recognized as the name of a cmdlet, function, script file, or operable "
                  "program. Check the spelling of the name, or if a path was included, verify that the path is "
                  "correct and try again.")
IDENTITY_NOT_ASSIGNED = "The requested identity has not been assigned to this resource."
ROLE_NOT_SUPPORTED = ("The role assigned to application {0} isn't supported in this scenario. Please check online "
                      "documentation for assigning correct Directory Roles to Azure AD Application for EXO "
                      "App-Only Authentication")


class Rule:
    """One rule of the table. ``scope``: ``text`` (the script alone) or ``account`` (the script and facts of
    the Automation account and the tenant)."""

    def __init__(self, rule_id, severity, title, error, cause, fix, link, scope="text"):
        self.id = rule_id
        self.severity = severity
        self.title = title
        self.error = error
        self.cause = cause
        self.fix = fix
        self.link = link
        self.scope = scope


RULES = (
    Rule("EXO001", "error", "Connect-ExchangeOnline without -ManagedIdentity",
         "The interactive sign-in cannot open in a job; the .NET sign-in libraries report it as 'A window handle "
         "must be configured. See https://aka.ms/msal-net-wam#parent-window-handles' or 'Showing a modal dialog "
         "box or form when the application is not running in UserInteractive mode is not a valid operation.'",
         "Without -ManagedIdentity (or an app-only certificate or access token) Connect-ExchangeOnline starts an "
         "interactive sign-in, which an Automation job cannot show.",
         "Connect with the account's managed identity: Connect-ExchangeOnline -ManagedIdentity -Organization "
         "<tenant>.onmicrosoft.com (add -ManagedIdentityAccountId <client id> for a user-assigned identity).",
         DOCS_MI),
    Rule("EXO002", "error", "-ManagedIdentity without -Organization",
         "Value cannot be null. Parameter name: Organization cannot be null for Managed Identity based "
         "connections.",
         "A managed-identity connection needs the tenant: Connect-ExchangeOnline cannot find it from the "
         "identity.",
         "Add -Organization <tenant>.onmicrosoft.com (the tenant's initial domain).",
         DOCS_MI),
    Rule("EXO003", "error", "-Organization is not a *.onmicrosoft.com domain",
         "UnAuthorized. AADSTS90002: Tenant '<value>' not found. Check to make sure you have the correct tenant "
         "ID and are signing into the correct cloud. (a vanity domain may connect, but commands then fail or "
         "act on the wrong partition)",
         "Microsoft documents -Organization of a managed-identity connection as the tenant's initial "
         "*.onmicrosoft.com domain (or its tenant id); a short name or a vanity (custom) domain is not it.",
         "Use the tenant's initial domain, <tenant>.onmicrosoft.com (the Entra admin center lists it under Domain "
         "names).",
         DOCS_MI),
    Rule("EXO004", "error", "Remote PowerShell session to Exchange Online",
         "Connecting to remote server outlook.office365.com failed with the following error message : Access is "
         "denied. For more information, see the about_Remote_Troubleshooting Help topic.",
         "Exchange Online retired Remote PowerShell (New-PSSession -ConnectionUri .../powershell-liveid/, "
         "Connect-ExchangeOnline -UseRPSSession) in 2023; such sessions are refused.",
         "Use Connect-ExchangeOnline -ManagedIdentity from ExchangeOnlineManagement 3.x (REST cmdlets) and drop "
         "New-PSSession / Import-PSSession / -UseRPSSession.",
         DOCS_RPS),
    Rule("EXO005", "error", "Basic-auth -Credential connection",
         "AADSTS50076: Due to a configuration change made by your administrator, or because you moved to a new "
         "location, you must use multi-factor authentication to access '00000002-0000-0ff1-ce00-000000000000'. "
         "(or: UnAuthorized)",
         "-Credential signs in a user with a password (often from Get-AutomationPSCredential): multi-factor "
         "authentication, security defaults and Conditional Access block it, and the password must be kept.",
         "Connect with the managed identity (-ManagedIdentity -Organization ...) and remove the stored "
         "credential asset.",
         DOCS_MI),
    Rule("EXO006", "error", "Secret in the script",
         "(no error: the secret works, and everyone who can read the runbook, its drafts and its source "
         "control can read it too)",
         "A client secret, password or key is written into the runbook text.",
         "Remove it and rotate it; connect with the managed identity, or keep the value in an encrypted "
         "Automation variable or credential asset (Get-AutomationVariable) or Azure Key Vault.",
         DOCS_CREDENTIALS),
    Rule("EXO007", "warning", "Write-Host where output is read",
         "(no error: the job's Output stream lacks the text, so whatever reads the output sees nothing)",
         "Write-Host writes to the host (the information stream), not to the job's output that the portal, "
         "runbook_job, webhooks' callers and child runbooks read.",
         "Use Write-Output for results (Write-Verbose / Write-Warning for messages).",
         DOCS_OUTPUT),
    Rule("EXO008", "warning", "Connect-ExchangeOnline without Disconnect-ExchangeOnline",
         "(after a few quick runs) connections are refused: Exchange Online allows only a few concurrent "
         "connections per identity.",
         "A connection that is never closed stays open after the job until it times out.",
         "Call Disconnect-ExchangeOnline -Confirm:$false in a finally block: "
         "try { Connect-ExchangeOnline ... } finally { Disconnect-ExchangeOnline -Confirm:$false }.",
         DOCS_CONNECT),
    Rule("EXO009", "info", "Disconnect-ExchangeOnline outside a finally block",
         "(after failed runs) connections are refused: Exchange Online allows only a few concurrent connections "
         "per identity.",
         "A command that fails (with $ErrorActionPreference = 'Stop') skips a Disconnect-ExchangeOnline that is "
         "not in a finally block, and the connection stays open.",
         "Move Disconnect-ExchangeOnline -Confirm:$false into a finally block.",
         DOCS_CONNECT),
    Rule("EXO010", "info", "Connect-MgGraph -Identity",
         NOT_RECOGNIZED.format("Connect-MgGraph") + " (when Microsoft.Graph.Authentication is not imported)",
         "The runbook also connects to Microsoft Graph with the managed identity: the runtime needs "
         "Microsoft.Graph.Authentication, and the identity needs the Graph app roles its commands use.",
         "Import Microsoft.Graph.Authentication for the runbook's runtime (checked by the account rules).",
         DOCS_MG),
    Rule("EXO101", "error", "ExchangeOnlineManagement not available to the runbook's runtime",
         NOT_RECOGNIZED.format("Connect-ExchangeOnline"),
         "ExchangeOnlineManagement is not imported (or its import did not succeed) for the runtime the runbook "
         "runs on; modules of PowerShell 5.1, 7.2 and each runtime environment are separate.",
         "Import ExchangeOnlineManagement >= 3.0.0 for that runtime (m365.exo_automation.automation_module or "
         "runtime_environment) and wait for Succeeded.",
         DOCS_MODULES, scope="account"),
    Rule("EXO102", "error", "ExchangeOnlineManagement older than 3.0.0",
         "A parameter cannot be found that matches parameter name 'ManagedIdentity'.",
         "Managed-identity connections came with ExchangeOnlineManagement 3.0.0.",
         "Import ExchangeOnlineManagement 3.0.0 or later for the runbook's runtime.",
         DOCS_MI, scope="account"),
    Rule("EXO103", "error", "Microsoft.Graph.Authentication not available to the runbook's runtime",
         NOT_RECOGNIZED.format("Connect-MgGraph"),
         "The runbook calls Connect-MgGraph -Identity, but Microsoft.Graph.Authentication is not imported (or "
         "its import did not succeed) for its runtime.",
         "Import Microsoft.Graph.Authentication for the runbook's runtime.",
         DOCS_MG, scope="account"),
    Rule("EXO104", "error", "-Organization is not the tenant's initial domain",
         "UnAuthorized. AADSTS90002: Tenant '<value>' not found. Check to make sure you have the correct tenant "
         "ID and are signing into the correct cloud.",
         "The -Organization value is not the initial (*.onmicrosoft.com) domain of the tenant the managed "
         "identity belongs to.",
         "Use the tenant's initial domain (Microsoft Graph organization verifiedDomains, isInitial).",
         DOCS_MI, scope="account"),
    Rule("EXO105", "error", "-ManagedIdentityAccountId is a principal id, not a client id",
         IDENTITY_NOT_ASSIGNED,
         "-ManagedIdentityAccountId takes the client id (application id) of the user-assigned identity; the "
         "value is its principal (object) id.",
         "Use the identity's client id (user_assigned_identity_info: client_id).",
         DOCS_MI, scope="account"),
    Rule("EXO106", "error", "-ManagedIdentityAccountId names no identity of the account",
         IDENTITY_NOT_ASSIGNED,
         "No user-assigned identity attached to the Automation account has this client id.",
         "Attach the identity to the account (automation_account identity options), or use the client id of "
         "one that is attached.",
         DOCS_UAMI, scope="account"),
    Rule("EXO107", "error", "No system-assigned identity on the account",
         IDENTITY_NOT_ASSIGNED,
         "Without -ManagedIdentityAccountId the connection uses the account's system-assigned identity, and the "
         "account has none.",
         "Enable the system-assigned identity, or pass -ManagedIdentityAccountId with the client id of an "
         "attached user-assigned identity.",
         DOCS_SAMI, scope="account"),
    Rule("EXO108", "error", "The identity lacks Exchange.ManageAsApp",
         "UnAuthorized",
         "The managed identity that connects holds no Exchange.ManageAsApp app role of Office 365 Exchange "
         "Online.",
         "Grant it (m365.exo_automation.app_role_assignment with resource Office 365 Exchange Online and app "
         "role Exchange.ManageAsApp).",
         DOCS_MI, scope="account"),
    Rule("EXO109", "error", "The identity holds no Entra role Exchange Online accepts",
         ROLE_NOT_SUPPORTED.format("<appId>"),
         "Exchange Online app-only access needs one of the Entra roles %s."
         % ", ".join(wellknown.EXCHANGE_ONLINE_ACCEPTED_ROLES),
         "Assign one (m365.exo_automation.directory_role_assignment, such as Exchange Recipient Administrator "
         "or Exchange Administrator).",
         DOCS_MI, scope="account"),
)
RULES_BY_ID = dict((r.id, r) for r in RULES)
TEXT_RULES = tuple(r.id for r in RULES if r.scope == "text")
ACCOUNT_RULES = tuple(r.id for r in RULES if r.scope == "account")


def rules_doc():
    """The rule table as the module documentation lists it (``id (severity): title``)."""
    return ["%s (%s): %s" % (r.id, r.severity, r.title) for r in RULES]


# -- tokens --------------------------------------------------------------------------------------------------
# Kinds: nl (newline), str (string, value in .value), var ($name, name in .value, lower case), splat (@name),
# param (-Name, name in .value; .colon when written -Name:), word (bareword, number or command), op (punctuation).
SQ = u"'\u2018\u2019\u201a\u201b"
DQ = u'"\u201c\u201d\u201e'
TOKEN_RE = re.compile((
    r"(?P<nl>\r?\n|\r)"
    r"|(?P<ws>(?:[ \t\f\v\u00a0]|`\r?\n|`\r)+)"
    r"|(?P<block><#[\s\S]*?(?:#>|\Z))"
    r"|(?P<comment>#[^\r\n]*)"
    r"|(?P<hsq>@[SQ][ \t]*\r?\n(?P<hsqv>[\s\S]*?)(?:\r?\n[SQ]@|\Z))"
    r"|(?P<hdq>@[DQ][ \t]*\r?\n(?P<hdqv>[\s\S]*?)(?:\r?\n[DQ]@|\Z))"
    r"|(?P<sq>[SQ](?P<sqv>(?:[^SQ]|[SQ][SQ])*)(?:[SQ]|\Z))"
    r"|(?P<dq>[DQ](?P<dqv>(?:[^DQ`]|`[\s\S]|[DQ][DQ])*)(?:[DQ]|\Z))"
    r"|(?P<splat>@[A-Za-z_][\w]*)"
    r"|(?P<open>@\{|@\(|\$\()"
    r"|(?P<var>\$(?:\{[^}]*\}|[A-Za-z_][\w]*(?::[A-Za-z_][\w]*)?|[?^$_]))"
    r"|(?P<param>-[A-Za-z_][\w-]*:?)"
    r"|(?P<word>[^\sSQDQ$@(){}\[\];,|=&`#<>][^\sSQDQ(){}\[\];,|=&`]*)"
    r"|(?P<op>[\s\S])").replace("SQ", SQ).replace("DQ", DQ))
EXPAND_RE = re.compile(r"`.|\$(?:\{([^}]*)\}|([A-Za-z_]\w*(?::[A-Za-z_]\w*)?)|(\())")


class Token:
    __slots__ = ("kind", "text", "value", "line", "col", "expandable", "colon")

    def __init__(self, kind, text, value, line, col):
        self.kind = kind
        self.text = text
        self.value = value
        self.line = line
        self.col = col
        self.expandable = False
        self.colon = False

    def __repr__(self):
        return "Token(%s %r %d:%d)" % (self.kind, self.value, self.line, self.col)


def tokenize(text):
    """The tokens of ``text`` (comments and whitespace dropped; strings with their value)."""
    tokens = []
    append = tokens.append
    line, line_start = 1, 0
    pos, end = 0, len(text)
    match = TOKEN_RE.match
    while pos < end:
        m = match(text, pos)
        kind = m.lastgroup
        raw = m.group()
        if kind in ("hsqv", "hdqv", "sqv", "dqv"):  # the inner group closes last: name the token by its quote
            kind = kind[:-1]
        col = pos - line_start + 1
        if kind == "nl":
            append(Token("nl", raw, None, line, col))
        elif kind in ("ws", "block", "comment"):
            pass
        elif kind in ("sq", "hsq"):
            value = m.group(kind + "v")
            tok = Token("str", raw, value.replace("''", "'") if kind == "sq" else value, line, col)
            append(tok)
        elif kind in ("dq", "hdq"):
            value = m.group(kind + "v")
            tok = Token("str", raw, value, line, col)
            tok.expandable = "$" in value
            if kind == "dq":
                tok.value = value.replace('""', '"')
            append(tok)
        elif kind == "var":
            name = raw[1:].strip("{}").lower()
            append(Token("var", raw, name, line, col))
        elif kind == "splat":
            append(Token("splat", raw, raw[1:].lower(), line, col))
        elif kind == "param":
            tok = Token("param", raw, raw[1:].rstrip(":").lower(), line, col)
            tok.colon = raw.endswith(":")
            append(tok)
        elif kind == "open":
            append(Token("op", raw, raw, line, col))
        else:
            append(Token(kind, raw, raw, line, col))
        newlines = raw.count("\n") if kind != "nl" else 1
        if kind != "nl" and not newlines and "\r" in raw:
            newlines = raw.count("\r")
        if newlines:
            line += newlines
            last = max(raw.rfind("\n"), raw.rfind("\r"))
            line_start = pos + last + 1
        pos = m.end()
    return tokens


# -- the script as the rules see it ---------------------------------------------------------------------------
OPENERS = frozenset(("(", "{", "[", "@{", "@(", "$("))
CLOSERS = frozenset((")", "}", "]"))
STATEMENT_START = frozenset(("nl", ";", "{", "(", "|", "&", "}", "$(", "@(", "="))
COMMANDS = frozenset((
    "connect-exchangeonline", "disconnect-exchangeonline", "new-pssession", "import-pssession", "connect-mggraph",
    "write-host", "convertto-securestring", "get-automationpscredential", "connect-ippssession",
))
# Parameters of Connect-ExchangeOnline (abbreviations resolve to them), and its switches (which take no value).
EXO_PARAMETERS = (
    "accesstoken", "appid", "azureadauthorizationendpointuri", "bypassmailboxanchoring", "certificate",
    "certificatefilepath", "certificatepassword", "certificatethumbprint", "commandname", "connectionuri",
    "credential", "delegatedorganization", "device", "disablewam", "enableerrorreporting",
    "exchangeenvironmentname", "formattypename", "inlinecredential", "loadcmdlethelp", "logdirectorypath",
    "loglevel", "managedidentity", "managedidentityaccountid", "organization", "pagesize", "prefix",
    "psessionoption", "showbanner", "showprogress", "signingcertificate", "skiploadingcmdlethelp",
    "skiploadingformatdata", "trackperformance", "usemultithreading", "userprincipalname", "userpssession",
)
SWITCHES = frozenset((
    "managedidentity", "userpssession", "showbanner", "showprogress", "skiploadingformatdata",
    "skiploadingcmdlethelp", "loadcmdlethelp", "device", "inlinecredential", "enableerrorreporting", "disablewam",
    "bypassmailboxanchoring", "trackperformance", "usemultithreading", "asplaintext", "force", "identity",
    "confirm", "allowredirection", "whatif", "noprofile", "contextscope",
))
SECRET_NAME_RE = re.compile(r"(?i)(secret|passw(or)?d|pwd|apikey|api_key|accesskey|access_key|privatekey|"
                            r"sharedkey|connectionstring|sas_?token)")
# names of variables that hold where a secret is kept, not the secret: $SecretName, $PasswordVariable, ...
NOT_SECRET_NAME_RE = re.compile(r"(?i)(name|names|id|uri|url|path|file|vault|variable|asset|header|length|policy|"
                                r"expiry|expires|date|time)$")
CLIENT_SECRET_RE = re.compile(r"^[A-Za-z0-9_.~-]{3}\dQ~[A-Za-z0-9_.~-]{31,34}$")
ONMICROSOFT_RE = re.compile(r"(?i)^[a-z0-9][a-z0-9-]*\.(onmicrosoft\.(com|us|de)|partner\.onmschina\.cn)$")
GUID_RE = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
RPS_URI_RE = re.compile(r"(?i)(/powershell-liveid|ps\.outlook\.com/powershell|outlook\.office365\.com/powershell)")
UNKNOWN = object()


class Value:
    """What an argument is, as far as the script tells: ``literal`` (a str or bool) or UNKNOWN; ``source``: the
    command a variable was assigned from (``get-automationpscredential``), ``var``: the variable it came from."""

    __slots__ = ("literal", "source", "var", "token")

    def __init__(self, literal=UNKNOWN, source=None, var=None, token=None):
        self.literal = literal
        self.source = source
        self.var = var
        self.token = token

    def text(self):
        return self.literal if isinstance(self.literal, str) else None


class Command:
    """One call of a command: ``name`` (lower case, without a module prefix), ``token``, ``params`` (canonical
    lower-case name -> Value, True for a switch), ``positional`` (Values), ``in_finally``."""

    def __init__(self, name, token, in_finally):
        self.name = name
        self.token = token
        self.params = {}
        self.param_tokens = {}
        self.positional = []
        self.in_finally = in_finally
        self.splatted = []


class Script:
    """The parsed runbook: ``commands`` (Command), ``assignments`` (variable -> [(token index, Value or dict)]),
    ``hashtables`` (hashtable literals: list of (key token, Value))."""

    def __init__(self, text):
        self.text = text or ""
        self.tokens = tokenize(self.text)
        self.assignments = {}
        self.hashtables = []
        self.commands = []
        self.literal_assignments = []  # (var token, Value)
        self._parse()

    # ---- values
    def _lookup(self, name, index):
        """The last value assigned to variable ``name`` before token ``index`` (else the first one after)."""
        found = self.assignments.get(name)
        if not found:
            return None
        before = [v for i, v in found if i < index]
        return before[-1] if before else found[0][1]

    def _expand(self, tok, index):
        def sub(m):
            if m.group(0).startswith("`"):
                return m.group(0)[1:]
            if m.group(3):
                raise ValueError("subexpression")
            value = self._lookup((m.group(1) or m.group(2)).lower(), index)
            if isinstance(value, Value) and isinstance(value.literal, str):
                return value.literal
            raise ValueError("unknown variable")
        try:
            return EXPAND_RE.sub(sub, tok.value)
        except ValueError:
            return UNKNOWN

    def value_of(self, index, end):
        """The Value of the argument tokens[index:end]."""
        toks = self.tokens
        tok = toks[index]
        if end - index == 1:
            if tok.kind == "str":
                return Value(self._expand(tok, index) if tok.expandable else tok.value, token=tok)
            if tok.kind in ("word", "num"):
                return Value(tok.value, token=tok)
            if tok.kind == "var":
                if tok.value in ("true", "false"):
                    return Value(tok.value == "true", token=tok)
                found = self._lookup(tok.value, index)
                if isinstance(found, Value):
                    return Value(found.literal, found.source, tok.text, tok)
                return Value(var=tok.text, token=tok)
        if tok.kind == "op" and tok.value == "(" and end - index == 3 and toks[index + 2].value == ")":
            return self.value_of(index + 1, index + 2)
        return Value(token=tok)

    # ---- structure
    def _group_end(self, i):
        """Index after the bracketed group opened at ``i``."""
        toks = self.tokens
        depth = 0
        n = len(toks)
        while i < n:
            t = toks[i]
            if t.kind == "op":
                if t.value in OPENERS:
                    depth += 1
                elif t.value in CLOSERS:
                    depth -= 1
                    if depth == 0:
                        return i + 1
            i += 1
        return n

    def _element_end(self, i, stop):
        """Index after one argument starting at ``i`` (a token, or a bracketed group with what follows it
        without a space, as in ``(Get-X).Name``)."""
        toks = self.tokens
        tok = toks[i]
        if tok.kind == "op" and tok.value in OPENERS:
            j = self._group_end(i)
        else:
            j = i + 1
        while j < stop and toks[j].kind == "op" and toks[j].value in (".", "[") and toks[j].col == toks[j - 1].col + len(toks[j - 1].text):
            j = self._group_end(j) if toks[j].value == "[" else j + 2
        return min(j, stop)

    def _hashtable(self, i):
        """Entries of the hashtable literal opened at ``i`` (``@{``): dict of lower-case key -> Value, the key
        tokens, and the index after it."""
        toks = self.tokens
        end = self._group_end(i) - 1
        entries, keys = {}, {}
        j = i + 1
        while j < end:
            t = toks[j]
            if t.kind in ("word", "str", "num") and j + 1 < end and toks[j + 1].kind == "op" and toks[j + 1].value == "=":
                k = j + 2
                while k < end and toks[k].kind == "nl":
                    k += 1
                v_end = k
                while v_end < end and not (toks[v_end].kind == "nl" or (toks[v_end].kind == "op" and toks[v_end].value == ";")):
                    v_end = self._element_end(v_end, end) if toks[v_end].kind == "op" and toks[v_end].value in OPENERS else v_end + 1
                if k < v_end:
                    key = str(t.value).lower()
                    entries[key] = self.value_of(k, v_end) if v_end - k == 1 else self._value_range(k, v_end)
                    keys[key] = t
                j = max(v_end, j + 1)
                continue
            if t.kind == "op" and t.value in OPENERS:
                j = self._group_end(j)
                continue
            j += 1
        return entries, keys, end + 1

    def _value_range(self, k, v_end):
        toks = self.tokens
        if v_end - k == 3 and toks[k].value == "(" and toks[v_end - 1].value == ")":
            return self.value_of(k + 1, k + 2)
        first = toks[k]
        if first.kind == "word":  # a command's output: remember which command (Get-AutomationPSCredential)
            return Value(source=first.value.lower().rsplit("\\", 1)[-1], token=first)
        return Value(token=first)

    def _parse(self):
        toks = self.tokens
        n = len(toks)
        prev = "nl"
        prev_word = None
        stack = []  # brace kinds: "finally" or "other"
        finally_depth = 0
        i = 0
        while i < n:
            t = toks[i]
            kind = t.kind
            if kind == "op":
                v = t.value
                if v in OPENERS:
                    is_finally = v == "{" and prev_word == "finally"
                    stack.append(is_finally)
                    finally_depth += is_finally
                elif v in CLOSERS and stack:
                    finally_depth -= stack.pop()
            if kind == "var" and i + 1 < n and toks[i + 1].kind == "op" and toks[i + 1].value == "=":
                self._assignment(i)
            elif kind == "word" and prev in STATEMENT_START:
                name = t.value.lower().rsplit("\\", 1)[-1]
                if name in COMMANDS:
                    self.commands.append(self._command(i, name, finally_depth > 0))
            elif kind == "op" and t.value == "@{":
                entries, keys, _after = self._hashtable(i)
                self.hashtables.append((entries, keys))
            prev = "nl" if kind == "nl" else (t.value if kind == "op" else kind)
            prev_word = t.value.lower() if kind == "word" else None
            i += 1

    def _assignment(self, i):
        toks = self.tokens
        n = len(toks)
        name = toks[i].value
        k = i + 2
        while k < n and toks[k].kind == "nl":
            k += 1
        if k >= n:
            return
        first = toks[k]
        if first.kind == "op" and first.value == "@{":
            entries, keys, _after = self._hashtable(k)
            value = {"entries": entries, "keys": keys}
        else:
            v_end = k
            while v_end < n and not (toks[v_end].kind == "nl" or (toks[v_end].kind == "op" and toks[v_end].value in (";", ")", "}", ","))):
                v_end = self._element_end(v_end, n) if toks[v_end].kind == "op" and toks[v_end].value in OPENERS else v_end + 1
            if v_end == k:
                return
            value = self.value_of(k, v_end) if v_end - k == 1 else self._value_range(k, v_end)
            self.literal_assignments.append((toks[i], value))
        self.assignments.setdefault(name, []).append((i, value))

    def _command(self, i, name, in_finally):
        toks = self.tokens
        n = len(toks)
        cmd = Command(name, toks[i], in_finally)
        end = i + 1
        depth = 0
        while end < n:
            t = toks[end]
            if t.kind == "nl" and depth == 0:
                break
            if t.kind == "op":
                if t.value in OPENERS:
                    depth += 1
                elif t.value in CLOSERS:
                    if depth == 0:
                        break
                    depth -= 1
                elif depth == 0 and t.value in (";", "|", "&"):
                    break
            end += 1
        j = i + 1
        while j < end:
            t = toks[j]
            if t.kind == "param":
                pname = canonical_parameter(name, t.value)
                cmd.param_tokens[pname] = t
                if t.colon and j + 1 < end:
                    k = self._element_end(j + 1, end)
                    cmd.params[pname] = self.value_of(j + 1, k) if k - j == 2 else self._value_range(j + 1, k)
                    j = k
                    continue
                if pname in SWITCHES or j + 1 >= end or toks[j + 1].kind == "param":
                    cmd.params[pname] = Value(True, token=t)
                    j += 1
                    continue
                k = self._element_end(j + 1, end)
                cmd.params[pname] = self.value_of(j + 1, k) if k - j == 2 else self._value_range(j + 1, k)
                j = k
                continue
            if t.kind == "splat":
                table = self._lookup(t.value, j)
                if isinstance(table, dict):
                    cmd.splatted.append(t)
                    for key, value in table["entries"].items():
                        pname = canonical_parameter(name, key)
                        cmd.params.setdefault(pname, value)
                        cmd.param_tokens.setdefault(pname, table["keys"][key])
                j += 1
                continue
            k = self._element_end(j, end)
            cmd.positional.append(self.value_of(j, k) if k - j == 1 else self._value_range(j, k))
            j = k
        return cmd

    # ---- queries
    def calls(self, name):
        return [c for c in self.commands if c.name == name]

    def exo_connections(self):
        """Connect-ExchangeOnline calls with the managed identity: dicts of ``command``, ``organization``
        (str, None when not given, UNKNOWN when not a literal) and ``account_id`` (the same)."""
        out = []
        for c in self.calls("connect-exchangeonline"):
            if not switch_on(c.params.get("managedidentity")):
                continue
            out.append({"command": c, "organization": _literal(c.params.get("organization")),
                        "account_id": _literal(c.params.get("managedidentityaccountid"))})
        return out

    def graph_identity_connections(self):
        return [c for c in self.calls("connect-mggraph") if switch_on(c.params.get("identity"))]


def _literal(value):
    if value is None:
        return None
    if isinstance(value.literal, str) and value.literal.strip():
        return value.literal.strip()
    return UNKNOWN  # not a literal, or an empty default that the caller replaces


def switch_on(value):
    return value is not None and value.literal is not False


def canonical_parameter(command, name):
    """``name`` (lower case) as the full parameter name of Connect-ExchangeOnline it abbreviates."""
    if command != "connect-exchangeonline" or name in EXO_PARAMETERS:
        return name
    matches = [p for p in EXO_PARAMETERS if p.startswith(name)]
    return matches[0] if len(matches) == 1 else name


# -- findings ---------------------------------------------------------------------------------------------------
def finding(rule_id, token, message, line=None, col=None):
    rule = RULES_BY_ID[rule_id]
    return {
        "rule": rule.id, "severity": rule.severity, "title": rule.title,
        "line": line if line is not None else (token.line if token is not None else 1),
        "column": col if col is not None else (token.col if token is not None else 1),
        "message": message, "error": rule.error, "fix": rule.fix, "link": rule.link,
    }


def _at(cmd, param):
    return cmd.param_tokens.get(param) or cmd.token


def _is_secret_literal(value):
    text = value.text() if value is not None else None
    return bool(text and text.strip()) and value.source is None


def text_findings(script):
    """The findings of the text rules for a Script."""
    out = []
    connects = script.calls("connect-exchangeonline")
    for c in connects:
        p = c.params
        if "userpssession" in p and switch_on(p["userpssession"]):
            out.append(finding("EXO004", _at(c, "userpssession"),
                               "Connect-ExchangeOnline -UseRPSSession opens a Remote PowerShell session, which "
                               "Exchange Online no longer accepts"))
        if "credential" in p:
            cred = p["credential"]
            where = ""
            if cred.source == "get-automationpscredential":
                where = " (a credential asset read with Get-AutomationPSCredential)"
            out.append(finding("EXO005", _at(c, "credential"),
                               "Connect-ExchangeOnline -Credential signs in with a user name and password%s" % where))
        managed = switch_on(p.get("managedidentity"))
        app_only = any(k in p for k in ("certificatethumbprint", "certificate", "certificatefilepath",
                                        "accesstoken", "credential"))
        if not managed and not app_only:
            out.append(finding("EXO001", c.token, "Connect-ExchangeOnline is called without -ManagedIdentity: it "
                                                  "would start an interactive sign-in"))
        if managed:
            org = p.get("organization")
            if org is None:
                out.append(finding("EXO002", c.token, "Connect-ExchangeOnline -ManagedIdentity has no -Organization"))
            elif org.token is not None and org.token.kind == "op" and org.token.value == "<":
                out.append(finding("EXO003", org.token, "-Organization is a placeholder (<...>), which PowerShell "
                                                        "cannot even parse: The '<' operator is reserved for future use"))
            else:
                text = org.text()
                if text and not (ONMICROSOFT_RE.match(text.strip()) or GUID_RE.match(text.strip())):
                    via = " (from %s)" % org.var if org.var else ""
                    out.append(finding("EXO003", _at(c, "organization"),
                                       "-Organization '%s'%s is not a *.onmicrosoft.com domain" % (text, via)))
    for c in script.calls("new-pssession"):
        uri = c.params.get("connectionuri")
        conf = c.params.get("configurationname")
        uri_text = uri.text() if uri is not None else None
        conf_text = conf.text() if conf is not None else None
        exchange = conf_text is not None and conf_text.lower() == "microsoft.exchange"
        online = uri_text is not None and ("outlook." in uri_text.lower() or "office365" in uri_text.lower())
        if (uri_text and RPS_URI_RE.search(uri_text)) or (exchange and (online or uri_text is None)):
            out.append(finding("EXO004", c.token, "New-PSSession %s opens a Remote PowerShell session, which "
                                                  "Exchange Online no longer accepts"
                                                  % ("to " + uri_text if uri_text else "-ConfigurationName "
                                                     "Microsoft.Exchange")))
    for c in script.calls("write-host"):
        out.append(finding("EXO007", c.token, "Write-Host writes to the host, not to the job's output"))
    if connects:
        disconnects = script.calls("disconnect-exchangeonline")
        if not disconnects:
            out.append(finding("EXO008", connects[0].token, "the runbook calls Connect-ExchangeOnline but never "
                                                            "Disconnect-ExchangeOnline"))
        elif not any(d.in_finally for d in disconnects):
            out.append(finding("EXO009", disconnects[0].token, "Disconnect-ExchangeOnline is not in a finally block"))
    for c in script.graph_identity_connections():
        out.append(finding("EXO010", c.token, "Connect-MgGraph -Identity: the runtime needs "
                                              "Microsoft.Graph.Authentication (checked with the account rules)"))
    out.extend(_secret_findings(script))
    out.sort(key=lambda f: (f["line"], f["column"], f["rule"]))
    return out


def _secret_name(name):
    name = name.rsplit(":", 1)[-1]  # $script:ClientSecret, $env:... (scope prefixes)
    return bool(SECRET_NAME_RE.search(name)) and not NOT_SECRET_NAME_RE.search(name)


def _secret_findings(script):
    out = []
    seen = set()

    def add(token, message):
        if token.line not in seen:
            seen.add(token.line)
            out.append(finding("EXO006", token, message))

    for c in script.calls("convertto-securestring"):
        if "asplaintext" not in c.params:
            continue
        value = c.params.get("string") or (c.positional[0] if c.positional else None)
        if value is not None and _is_secret_literal(value):
            via = " (from %s)" % value.var if value.var else ""
            add(value.token, "ConvertTo-SecureString -AsPlainText is given a literal string%s" % via)
    for c in script.commands:
        for pname in ("clientsecret", "password", "certificatepassword", "secret"):
            value = c.params.get(pname)
            if value is not None and value.var is None and _is_secret_literal(value):
                add(value.token, "-%s is given a literal value" % pname)
    for var_token, value in script.literal_assignments:
        if isinstance(value, Value) and _is_secret_literal(value) and _secret_name(var_token.value):
            add(var_token, "%s is assigned a literal value" % var_token.text)
    for entries, keys in script.hashtables:
        for key, value in entries.items():
            if isinstance(value, Value) and value.var is None and _is_secret_literal(value) and _secret_name(key):
                add(keys[key], "hashtable key %s holds a literal value" % key)
    for tok in script.tokens:
        if tok.kind == "str" and CLIENT_SECRET_RE.match(tok.value or ""):
            add(tok, "a string looks like an Entra client secret")
    return out


# -- account rules: functions of plain facts ------------------------------------------------------------------
EXO_MODULE = "ExchangeOnlineManagement"
GRAPH_AUTH_MODULE = "Microsoft.Graph.Authentication"
EXO_MIN_VERSION = (3, 0, 0)


def version_tuple(text):
    parts = []
    for piece in re.split(r"[.-]", str(text or "")):
        if not piece.isdigit():
            break
        parts.append(int(piece))
    return tuple(parts)


def identity_for(connection, identities):
    """The identity a managed-identity connection uses: ``(kind, identity, problem)`` with kind ``system`` or
    ``user``; problem is a rule id (EXO105, EXO106, EXO107) when the script names none the account has.
    ``identities``: ``{"system": {"principal_id"} or None, "user_assigned": [{"name", "client_id",
    "principal_id"}]}``."""
    account_id = connection["account_id"]
    users = identities.get("user_assigned") or []
    if account_id is UNKNOWN:
        return None, None, None
    if account_id:
        wanted = account_id.lower()
        for u in users:
            if str(u.get("client_id") or "").lower() == wanted:
                return "user", u, None
        for u in users:
            if str(u.get("principal_id") or "").lower() == wanted:
                return "user", u, "EXO105"
        return "user", None, "EXO106"
    system = identities.get("system")
    if not system or not system.get("principal_id"):
        return "system", None, "EXO107"
    return "system", system, None


def account_findings(script, facts):
    """Findings of the account rules for a Script and the facts of its account: ``runtime`` (``{"name",
    "modules": {lower-case name: {"name", "version", "state"}}}``), ``organization`` (``{"initial", "domains"}``),
    ``identities`` (see identity_for) and ``access`` (principal id (lower case) -> ``{"manage_as_app": bool,
    "accepted_role": bool, "roles": [names], "app_id"}``). A fact that is None (not known) skips its rules.
    Returns ``(findings, rules run)``."""
    out, run = [], []
    connections = script.exo_connections()
    connects = script.calls("connect-exchangeonline")
    graph_calls = script.graph_identity_connections()
    runtime = facts.get("runtime")
    if runtime is not None:
        run.extend(["EXO101", "EXO102", "EXO103"])
        modules = runtime.get("modules") or {}
        where = runtime.get("name") or "the runtime"
        if connects:
            exo = modules.get(EXO_MODULE.lower())
            if exo is None or str(exo.get("state") or "").lower() != "succeeded":
                state = "is not imported" if exo is None else "is %s, not Succeeded" % exo.get("state")
                out.append(finding("EXO101", connects[0].token, "%s %s for %s, which this runbook runs on"
                                   % (EXO_MODULE, state, where)))
            elif version_tuple(exo.get("version")) < EXO_MIN_VERSION and connections:
                out.append(finding("EXO102", connections[0]["command"].token,
                                   "%s %s is imported for %s: managed identity needs 3.0.0 or later"
                                   % (EXO_MODULE, exo.get("version"), where)))
        if graph_calls:
            mg = modules.get(GRAPH_AUTH_MODULE.lower())
            if mg is None or str(mg.get("state") or "").lower() != "succeeded":
                state = "is not imported" if mg is None else "is %s, not Succeeded" % mg.get("state")
                out.append(finding("EXO103", graph_calls[0].token, "%s %s for %s, and the runbook calls "
                                   "Connect-MgGraph -Identity" % (GRAPH_AUTH_MODULE, state, where)))
    org = facts.get("organization")
    if org is not None and org.get("initial"):
        run.append("EXO104")
        initial = org["initial"].lower()
        domains = set(d.lower() for d in org.get("domains") or ())
        tenant_id = str(org.get("tenant_id") or "").lower()
        for conn in connections:
            value = conn["organization"]
            if not value or value is UNKNOWN or value.lower() in (initial, tenant_id):
                continue
            what = ("a verified domain of the tenant, but not its initial domain %s" % initial
                    if value.lower() in domains else "not a domain of this tenant (its initial domain is %s)"
                    % initial)
            out.append(finding("EXO104", _at(conn["command"], "organization"),
                               "-Organization '%s' is %s" % (value, what)))
    identities = facts.get("identities")
    access = facts.get("access")
    if identities is not None:
        run.extend(["EXO105", "EXO106", "EXO107"])
        if access is not None:
            run.extend(["EXO108", "EXO109"])
        for conn in connections:
            cmd = conn["command"]
            kind, ident, problem = identity_for(conn, identities)
            if problem == "EXO105":
                out.append(finding("EXO105", _at(cmd, "managedidentityaccountid"),
                                   "-ManagedIdentityAccountId %s is the principal id of user-assigned identity %s; "
                                   "its client id is %s" % (conn["account_id"], ident.get("name"),
                                                            ident.get("client_id"))))
            elif problem == "EXO106":
                attached = ", ".join("%s (%s)" % (u.get("name"), u.get("client_id"))
                                     for u in identities.get("user_assigned") or ()) or "none"
                out.append(finding("EXO106", _at(cmd, "managedidentityaccountid"),
                                   "-ManagedIdentityAccountId %s is not the client id of a user-assigned identity "
                                   "of the account (attached: %s)" % (conn["account_id"], attached)))
            elif problem == "EXO107":
                out.append(finding("EXO107", cmd.token, "the connection uses the system-assigned identity, and the "
                                                        "account has none"))
            if ident is None or access is None:
                continue
            got = access.get(str(ident.get("principal_id") or "").lower())
            if got is None:
                continue
            label = "the system-assigned identity" if kind == "system" else \
                "user-assigned identity %s" % ident.get("name")
            if not got.get("manage_as_app"):
                out.append(finding("EXO108", cmd.token, "%s (principal %s) holds no Exchange.ManageAsApp app role"
                                   % (label, ident.get("principal_id"))))
            if not got.get("accepted_role"):
                held = ", ".join(got.get("roles") or ()) or "none"
                out.append(finding("EXO109", cmd.token, "%s (principal %s) holds no Entra role Exchange Online "
                                   "accepts (it holds: %s)" % (label, ident.get("principal_id"), held)))
    out.sort(key=lambda f: (f["line"], f["column"], f["rule"]))
    return out, run


def lint_text(text, disabled=()):
    """Findings of the text rules for ``text`` (those of ``disabled`` rule ids left out)."""
    disabled = set(r.upper() for r in disabled or ())
    return [f for f in text_findings(Script(text)) if f["rule"] not in disabled]


def summary(findings):
    counts = dict((s, 0) for s in SEVERITIES)
    for f in findings:
        counts[f["severity"]] += 1
    return counts


def describe(f):
    """One line for a finding, as warnings and messages show it."""
    return "line %d: %s %s: %s. Fix: %s" % (f["line"], f["rule"], f["severity"], f["message"], f["fix"])


def failing(findings, fail_on):
    """The findings that fail a task with ``fail_on`` (error, warning or never)."""
    if fail_on == "never":
        return []
    wanted = ("error",) if fail_on == "error" else ("error", "warning")
    return [f for f in findings if f["severity"] in wanted]


def check_rule_ids(values, option="rules_disabled"):
    """Upper-case rule ids; an unknown id raises ValueError naming it and the known ones."""
    out = []
    for value in values or ():
        rid = str(value).strip().upper()
        if rid not in RULES_BY_ID:
            raise ValueError("%s: '%s' is not a rule; the rules are %s" % (option, value, ", ".join(RULES_BY_ID)))
        out.append(rid)
    return out


def lint(text, facts=None, disabled=()):
    """Lint ``text``: the text rules, and the account rules when ``facts`` are given (see account_findings).
    Returns ``{"findings", "counts", "rules_run"}`` without the rules of ``disabled``."""
    disabled = set(r.upper() for r in disabled or ())
    script = Script(text)
    findings = text_findings(script)
    ran = list(TEXT_RULES)
    if facts is not None:
        more, account_ran = account_findings(script, facts)
        findings.extend(more)
        ran.extend(account_ran)
    findings = [f for f in findings if f["rule"] not in disabled]
    findings.sort(key=lambda f: (f["line"], f["column"], f["rule"]))
    return {"findings": findings, "counts": summary(findings), "rules_run": [r for r in ran if r not in disabled]}
