"""Evaluation of an Automation job's PowerShell, as far as Exchange Online automation needs it.

The emulator cannot run PowerShell. This module reads a runbook the way the job would run it, statement
by statement, and answers what Azure Automation and Exchange Online would: the job's status, its
exception and its stream records. Everything here is pure: :func:`evaluate` takes the script, the job's
parameters and a *context* (a plain dict describing the account and runtime, see below) and returns
``{"status": "Completed"|"Failed", "exception": str|None, "streams": [{"type", "text"}]}``.

What it understands
-------------------
* ``param(...)`` at the top: ``[Parameter(Mandatory = $true)]`` / ``[Parameter(Mandatory)]``, types
  ``[string] [int] [bool] [switch] [string[]]``, default values. A missing mandatory parameter fails the job
  with PowerShell's "Cannot process command because of one or more missing mandatory parameters: X.", an
  unknown one with "A parameter cannot be found that matches parameter name 'X'.".
* Statements separated by new lines or ``;``, lines continued with a backtick or a trailing ``|``.
  Comments (``#`` and ``<# #>``) are ignored.
* Values: single-quoted (literal) and double-quoted strings (``$Var``, ``${Var}``, ``$($expr)``, backtick
  escapes), here-strings, numbers, ``$true/$false/$null``, variables with properties (``$_.DomainName``),
  arrays (``@(..)``, ``a, b``), hashtables, ``+``, ``-join``, ``-f`` and the comparison operators
  ``-eq -ne -like -notlike -match -notmatch -contains -in -gt -ge -lt -le`` with ``-and -or -not !``.
* Assignments (``$x = ...``, ``$x += ...``), pipelines with ``ForEach-Object``/``%``, ``Where-Object {..}``,
  ``Select-Object [-ExpandProperty] P [-First n]``, ``Out-Null``, ``Out-String``, ``Format-*``, ``Sort-Object``.
* ``try {} catch {} finally {}`` (``$_`` is the error in ``catch``; ``throw`` alone rethrows), ``if/elseif/else``,
  ``foreach ($x in ...) {}``, ``function Name { }`` (parameters bound by name or position), ``throw``, ``exit``,
  ``return``. ``#Requires -Modules`` fails the job when a module is missing from the runtime.
* ``Write-Output`` (``echo``), ``Write-Warning``, ``Write-Error``, ``Write-Verbose`` (recorded when the runbook
  logs verbose records, with ``-Verbose`` or with ``$VerbosePreference = 'Continue'``). ``Write-Host``,
  ``Write-Information``, ``Write-Progress`` and ``Write-Debug`` record nothing, as in a job's output.
  A value a statement leaves uncaptured goes to the Output stream.
* ``$ErrorActionPreference = 'Stop'`` and ``-ErrorAction Stop`` turn non-terminating errors into terminating ones.
* ``Import-Module``, ``Get-Command``, ``Get-AutomationVariable`` (the account's variables), ``$PSVersionTable``.
* Exchange Online: ``Connect-ExchangeOnline -ManagedIdentity -Organization X [-ManagedIdentityAccountId Y]``
  checks, in this order: the ExchangeOnlineManagement module is available to the runbook's runtime
  (else the term is not recognized); ``Y`` is the client id of a user-assigned identity of the account;
  without ``Y`` the account has a system-assigned identity; ``X`` is the tenant's organization; the
  identity's service principal has replicated to Entra ID; it holds Exchange.ManageAsApp; it holds an
  Entra role Exchange Online accepts. Each failure is a terminating error with the text users see.
  After connecting, ``Get-AcceptedDomain`` returns the tenant's domains (printed one ``DomainName`` per
  line); any other Exchange cmdlet is accepted and returns nothing. Before connecting, Exchange cmdlets
  are not recognized and ``Get-EXO*`` cmdlets ask for ``Connect-ExchangeOnline``.
  ``Disconnect-ExchangeOnline`` ends the session.

Errors follow PowerShell. ``throw`` and the errors of ``Connect-ExchangeOnline`` (including "not recognized" when
ExchangeOnlineManagement is not available to the runtime) end the script (the job fails) unless a ``catch``
handles them. Any other command that is not recognized, or an Exchange cmdlet used before connecting,
ends its statement only: inside ``try`` it goes to ``catch``/``finally``, elsewhere it is written to the Error
stream and the job goes on (and completes) unless ``$ErrorActionPreference = 'Stop'``. ``Write-Error``,
``Import-Module`` and ``Get-AutomationVariable`` errors are non-terminating unless ``Stop`` (preference or
``-ErrorAction``) is in effect. An error thrown in ``finally`` replaces the one that was on its way out.

Limits
------
No loops other than ``foreach`` and ``ForEach-Object``, no ``switch``, no classes, no script-block
invocation, no pipeline input to functions, no ``-f`` format specifiers beyond ``{n}``.
Commands it does not know (anything outside the list above and outside Exchange Online) are accepted
silently and return nothing, so a condition on their result is false and a loop over it runs zero times.
Conditions the evaluator cannot read count as false. PowerShell Workflow and graphical runbooks are not
evaluated (they complete with no output); Python runbooks only ``print("literal")``.

Context keys
------------
``language`` ("PowerShell" or "Python"), ``runtime_version`` ("5.1", "7.2", ...), ``modules`` (lower-cased
module name -> version, the modules the runtime can load), ``runtime_error`` (fails the job before it
starts, e.g. a missing runtime environment), ``system_principal_id`` (None without a system-assigned
identity), ``user_identities`` (lower-cased client id -> principal id), ``organization``,
``accepted_domains``, ``exo_access`` (callable: principal id -> ``{"visible", "app_id", "manage_as_app",
"role_template_ids"}``), ``variables`` (lower-cased name -> value), ``log_verbose``.
"""
import fnmatch
import json
import re

# Entra roles Exchange Online PowerShell accepts for app-only access (template ids; the list of
# exchange_online_powershell_supported_entra_roles in the specs' wellknown.json).
EXO_ACCEPTED_ROLE_TEMPLATE_IDS = frozenset({
    "17315797-102d-40b4-93e0-432062caca18",  # Compliance Administrator
    "29232cdf-9323-42fd-ade2-1d097af3e4de",  # Exchange Administrator
    "31392ffb-586c-42d1-9346-e59415a2cc4e",  # Exchange Recipient Administrator
    "62e90394-69f5-4237-9190-012177145e10",  # Global Administrator
    "f2ef992c-3afb-46b9-b7cf-a126ee74c451",  # Global Reader
    "729827e3-9c14-49f7-bb1b-9608f156bbb8",  # Helpdesk Administrator
    "194ae4cb-b126-40b2-bd5b-6091b380977d",  # Security Administrator
    "5d6b6bb7-de71-4623-b4af-96380a352509",  # Security Reader
})

NOT_RECOGNIZED = ("The term '{0}' is not recognized as the name of a cmdlet, function, script file, or operable "
                  "program. Check the spelling of the name, or if a path was included, verify that the path is "
                  "correct and try again.")
MISSING_MANDATORY = "Cannot process command because of one or more missing mandatory parameters: {0}."
UNKNOWN_PARAMETER = "A parameter cannot be found that matches parameter name '{0}'."
IDENTITY_NOT_ASSIGNED = "The requested identity has not been assigned to this resource."
NO_SYSTEM_IDENTITY = ("Failed to acquire a token for the managed identity: the Automation account has no "
                      "system-assigned managed identity. " + IDENTITY_NOT_ASSIGNED)
TENANT_NOT_FOUND = ("UnAuthorized. AADSTS90002: Tenant '{0}' not found. Check to make sure you have the correct "
                    "tenant ID and are signing into the correct cloud.")
NOT_REPLICATED = ("Failed to acquire a token for the managed identity. AADSTS700016: Application with identifier "
                  "'{0}' was not found in the directory '{1}'. This can happen if the application has not been "
                  "installed by the administrator of the tenant or consented to by any user in the tenant.")
UNAUTHORIZED = "UnAuthorized"
ROLE_NOT_SUPPORTED = ("The role assigned to application {0} isn't supported in this scenario. Please check online "
                      "documentation for assigning correct Directory Roles to Azure AD Application for EXO "
                      "App-Only Authentication")
MUST_CONNECT = "You must call the Connect-ExchangeOnline cmdlet before calling any other cmdlets."
MODULE_NOT_LOADED = ("The specified module '{0}' was not loaded because no valid module file was found in any "
                     "module directory.")
VARIABLE_NOT_FOUND = "Variable asset '{0}' not found."

PS_VERSIONS = {"5.1": "5.1.17763.6414", "7.1": "7.1.7", "7.2": "7.2.24", "7.4": "7.4.6"}
BUILTIN_MODULE_PREFIXES = ("microsoft.powershell.", "microsoft.wsman.", "orchestrator.assetmanagement.")

# Nouns of Exchange Online cmdlets that exist only in a connected session.
EXCHANGE_NOUNS = frozenset(n.lower() for n in (
    "AcceptedDomain", "AdminAuditLogConfig", "ApplicationAccessPolicy", "CalendarProcessing", "CASMailbox",
    "DistributionGroup", "DistributionGroupMember", "DynamicDistributionGroup", "InboxRule", "Mailbox",
    "MailboxAutoReplyConfiguration", "MailboxCalendarFolder", "MailboxFolderPermission", "MailboxPermission",
    "MailboxRegionalConfiguration", "MailboxStatistics", "MailContact", "MailUser", "ManagementRole",
    "ManagementRoleAssignment", "MessageTrace", "MessageTraceDetail", "MobileDevice", "MobileDeviceStatistics",
    "OrganizationConfig", "Recipient", "RecipientPermission", "RetentionPolicy", "RoleGroup", "RoleGroupMember",
    "TransportRule", "UnifiedGroup", "UnifiedGroupLinks", "User",
))
KNOWN_SWITCHES = frozenset((
    "managedidentity", "verbose", "force", "noenumerate", "whatif", "accountonly", "archive", "passthru",
    "skiploadingformatdata", "skiploadingcmdlethelp", "userpssession", "debug", "asjob", "unique", "descending",
))
TYPE_NAMES = {
    "string": "System.String", "int": "System.Int32", "int32": "System.Int32", "long": "System.Int64",
    "bool": "System.Boolean", "boolean": "System.Boolean", "switch": "System.Management.Automation.SwitchParameter",
    "string[]": "System.String[]", "object": "System.Object", "datetime": "System.DateTime",
    "pscredential": "System.Management.Automation.PSCredential", "hashtable": "System.Collections.Hashtable",
}


class PSError(Exception):
    """A terminating error. ``statement=True``: a statement-terminating one (a command that is not found, a
    cmdlet's terminating error), which ends only its statement unless a ``try`` catches it; otherwise a
    script-terminating one (``throw``, or any error under ``Stop``)."""

    def __init__(self, message, statement=False):
        super().__init__(message)
        self.message = message
        self.statement = statement


class _Exit(Exception):
    pass


class _Return(Exception):
    pass


# ---------------------------------------------------------------------------------------------------
# scanning
# ---------------------------------------------------------------------------------------------------
_CLOSERS = {"(": ")", "[": "]", "{": "}"}


def _here_string_end(text, i):
    """``text[i:i+2]`` is ``@"`` or ``@'`` followed by a line break: index after the closing ``"@``/``'@``."""
    quote = text[i + 1]
    end = text.find("\n" + quote + "@", i + 2)
    return len(text) if end < 0 else end + 3


def _is_here_string(text, i):
    if text[i:i + 2] not in ('@"', "@'"):
        return False
    rest = text[i + 2:text.find("\n", i + 2) if "\n" in text[i + 2:] else len(text)]
    return rest.strip() == ""


def _string_end(text, i):
    """Index after the string literal that starts at ``i``."""
    if _is_here_string(text, i):
        return _here_string_end(text, i)
    quote = text[i]
    j = i + 1
    n = len(text)
    while j < n:
        c = text[j]
        if quote == '"' and c == "`":
            j += 2
            continue
        if quote == '"' and c == "$" and j + 1 < n and text[j + 1] == "(":
            j = _match(text, j + 1) + 1
            continue
        if c == quote:
            if j + 1 < n and text[j + 1] == quote:
                j += 2
                continue
            return j + 1
        j += 1
    return n


def _next_index(text, i):
    c = text[i]
    if c in "\"'" or _is_here_string(text, i):
        return _string_end(text, i)
    if c in _CLOSERS:
        return _match(text, i) + 1
    if c == "`":
        return min(i + 2, len(text))
    return i + 1


def _match(text, i):
    """Index of the bracket closing the one at ``i`` (strings and nested brackets skipped)."""
    closer = _CLOSERS[text[i]]
    j = i + 1
    n = len(text)
    while j < n:
        if text[j] == closer:
            return j
        j = _next_index(text, j)
    return n


def strip_comments(text):
    """Remove ``#`` and ``<# #>`` comments and join backtick-continued lines."""
    out = []
    i = 0
    n = len(text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    while i < n:
        c = text[i]
        if text.startswith("<#", i):
            end = text.find("#>", i + 2)
            i = n if end < 0 else end + 2
            continue
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c == "`" and i + 1 < n and text[i + 1] == "\n":
            out.append(" ")
            i += 2
            continue
        if c in "\"'" or _is_here_string(text, i):
            j = _string_end(text, i)
            out.append(text[i:j])
            i = j
            continue
        out.append(c)
        i += 1
    return "".join(out)


_CONTINUATION = re.compile(r"^(catch|finally|else|elseif)\b", re.IGNORECASE)


def split_statements(text):
    """Top-level statements of a script block (comments already removed)."""
    raw = []
    start = 0
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c in "\n;":
            piece = text[start:i].strip()
            if c == "\n" and piece.endswith("|"):
                i += 1
                continue
            if piece:
                raw.append(piece)
            start = i + 1
            i += 1
            continue
        if c in _CLOSERS:
            # a bracket opened at the end of a line still belongs to this statement
            i = _match(text, i) + 1
            continue
        i = _next_index(text, i)
    piece = text[start:].strip()
    if piece:
        raw.append(piece)
    stmts = []
    for piece in raw:
        if stmts and (piece.startswith("{") or _CONTINUATION.match(piece)):
            stmts[-1] += "\n" + piece
        else:
            stmts.append(piece)
    return stmts


# ---------------------------------------------------------------------------------------------------
# tokens
# ---------------------------------------------------------------------------------------------------
_VAR_CHARS = re.compile(r"[A-Za-z0-9_:?]")
_WORD_STOP = set(" \t\n|;,(){}=\"'")


def _read_path(text, j):
    """Property/method/index chain after a value: returns (path, new index)."""
    path = []
    n = len(text)
    while j < n:
        if text[j] == "." and j + 1 < n and (text[j + 1].isalpha() or text[j + 1] == "_"):
            k = j + 1
            while k < n and (text[k].isalnum() or text[k] == "_"):
                k += 1
            name = text[j + 1:k]
            if k < n and text[k] == "(":
                k = _match(text, k) + 1
                name += "()"
            path.append(name)
            j = k
        elif text[j] == "[":
            k = _match(text, j)
            path.append(("index", text[j + 1:k]))
            j = k + 1
        else:
            break
    return path, j


def tokenize(text):
    tokens = []
    i = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c.isspace():
            i += 1
            continue
        if c in "\"'" or _is_here_string(text, i):
            j = _string_end(text, i)
            raw = text[i:j]
            if _is_here_string(text, i):
                body = raw[raw.find("\n") + 1:-3] if raw.endswith(raw[1] + "@") else raw[raw.find("\n") + 1:]
                tokens.append(("str", body, raw[1], True))
            else:
                tokens.append(("str", raw[1:-1] if len(raw) >= 2 and raw[-1] == raw[0] else raw[1:], raw[0], False))
            i = j
            continue
        if c == "$" and i + 1 < n and text[i + 1] == "(":
            k = _match(text, i + 1)
            path, j = _read_path(text, k + 1)
            tokens.append(("subexpr", text[i + 2:k], path))
            i = j
            continue
        if c == "$":
            if i + 1 < n and text[i + 1] == "{":
                k = _match(text, i + 1)
                name, j = text[i + 2:k], k + 1
            else:
                j = i + 1
                while j < n and _VAR_CHARS.match(text[j]):
                    j += 1
                name = text[i + 1:j]
                if name.endswith(":"):
                    name, j = name[:-1], j - 1
            path, j = _read_path(text, j)
            tokens.append(("var", name, path))
            i = j
            continue
        if c == "@" and i + 1 < n and text[i + 1] in "({":
            k = _match(text, i + 1)
            tokens.append(("array" if text[i + 1] == "(" else "hash", text[i + 2:k]))
            i = k + 1
            continue
        if c == "@" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == "_"):
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            tokens.append(("splat", text[i + 1:j]))
            i = j
            continue
        if c == "(":
            k = _match(text, i)
            path, j = _read_path(text, k + 1)
            tokens.append(("paren", text[i + 1:k], path))
            i = j
            continue
        if c == "{":
            k = _match(text, i)
            tokens.append(("block", text[i + 1:k]))
            i = k + 1
            continue
        if c == "[" and (not tokens or tokens[-1][0] in ("op", "param", "type")):
            k = _match(text, i)
            tokens.append(("type", text[i + 1:k].strip()))
            i = k + 1
            continue
        if c == "|":
            tokens.append(("op", "|"))
            i += 1
            continue
        if c == "+" and text[i:i + 2] == "+=":
            tokens.append(("op", "+="))
            i += 2
            continue
        if c in "=,+!":
            tokens.append(("op", c))
            i += 1
            continue
        if c == ">" or (c in "123456*" and text[i + 1:i + 2] == ">"):
            # a redirection: "> $null", "2>&1", "*> file": drop it and its target
            j = i + (1 if c == ">" else 2)
            while j < n and text[j] in ">&12":
                j += 1
            while j < n and text[j].isspace():
                j += 1
            while j < n and not text[j].isspace() and text[j] not in "|;":
                j += 1
            tokens.append(("redirect",))
            i = j
            continue
        if c == "-" and i + 1 < n and (text[i + 1].isalpha() or text[i + 1] == "_"):
            j = i + 1
            while j < n and (text[j].isalnum() or text[j] in "_"):
                j += 1
            name = text[i + 1:j]
            if j < n and text[j] == ":":
                sub = tokenize_one(text, j + 1)
                tokens.append(("param", name, sub[0]))
                i = sub[1]
            else:
                tokens.append(("param", name, None))
                i = j
            continue
        j = i
        while j < n and text[j] not in _WORD_STOP:
            if text[j] == "[" and j > i:
                break
            j += 1
        if j == i:
            j = i + 1
        tokens.append(("word", text[i:j]))
        i = j
    return tokens


def tokenize_one(text, i):
    """One value token starting at ``i`` (for ``-Param:value``): (token, index after it)."""
    n = len(text)
    while i < n and text[i] == " ":
        i += 1
    j = i
    if j < n and (text[j] in "\"'$@([{"):
        j = _next_index(text, j)
        if text[i] == "$" and j == i + 1:
            while j < n and _VAR_CHARS.match(text[j]):
                j += 1
            _path, j = _read_path(text, j)
    else:
        while j < n and text[j] not in _WORD_STOP:
            j += 1
    toks = tokenize(text[i:j])
    return (toks[0] if toks else ("word", "")), j


def split_tokens(tokens, op):
    parts = [[]]
    for tok in tokens:
        if tok[0] == "op" and tok[1] == op:
            parts.append([])
        else:
            parts[-1].append(tok)
    return parts


# ---------------------------------------------------------------------------------------------------
# values
# ---------------------------------------------------------------------------------------------------
def _obj(text, **props):
    """An object: a dict with properties and its text form under ``_text``."""
    d = dict(props)
    d["_text"] = text
    return d


def error_record(message):
    return _obj(message, Exception=_obj(message, Message=message), FullyQualifiedErrorId="RuntimeException")


def to_text(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list):
        return " ".join(to_text(v) for v in value)
    if isinstance(value, dict):
        if "_text" in value:
            return value["_text"]
        return "@{" + "; ".join(f"{k}={to_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def truthy(value):
    if value is None:
        return False
    if isinstance(value, list):
        if not value:
            return False
        return truthy(value[0]) if len(value) == 1 else True
    if isinstance(value, str):
        return value != ""
    return bool(value)


def _prop(value, name):
    if isinstance(value, list):
        if name.lower() in ("count", "length"):
            return len(value)
        return [_prop(v, name) for v in value if isinstance(v, dict)] or None
    if isinstance(value, str) and name.lower() == "length":
        return len(value)
    if isinstance(value, str):
        lname = name.lower()
        if lname in ("tolower()",):
            return value.lower()
        if lname in ("toupper()",):
            return value.upper()
        if lname in ("trim()",):
            return value.strip()
        if lname == "tostring()":
            return value
        return None
    if isinstance(value, dict):
        if name.lower() == "tostring()":
            return to_text(value)
        for k, v in value.items():
            if k.lower() == name.lower():
                return v
    return None


def _items(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _compare(op, left, right):
    op = op.lower()
    if op in ("eq", "ieq", "ceq", "ne", "ine", "cne"):
        if isinstance(left, list):
            return [v for v in left if _compare(op, v, right)]
        if isinstance(left, str) or isinstance(right, str):
            if op in ("ceq", "cne"):
                same = to_text(left) == to_text(right)
            else:
                same = to_text(left).lower() == to_text(right).lower()
        else:
            same = left == right
        return same if op in ("eq", "ieq", "ceq") else not same
    if op in ("like", "ilike", "notlike"):
        hit = fnmatch.fnmatchcase(to_text(left).lower(), to_text(right).lower())
        return hit if op != "notlike" else not hit
    if op in ("match", "imatch", "notmatch"):
        hit = re.search(to_text(right), to_text(left), re.IGNORECASE) is not None
        return hit if op != "notmatch" else not hit
    if op in ("contains", "notcontains"):
        hit = any(to_text(v).lower() == to_text(right).lower() for v in _items(left))
        return hit if op == "contains" else not hit
    if op in ("in", "notin"):
        hit = any(to_text(v).lower() == to_text(left).lower() for v in _items(right))
        return hit if op == "in" else not hit
    if op in ("gt", "ge", "lt", "le"):
        try:
            a, b = float(to_text(left)), float(to_text(right))
        except ValueError:
            a, b = to_text(left).lower(), to_text(right).lower()
        return {"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op]
    return None


COMPARISONS = {"eq", "ieq", "ceq", "ne", "ine", "cne", "like", "ilike", "notlike", "match", "imatch", "notmatch",
               "contains", "notcontains", "in", "notin", "gt", "ge", "lt", "le"}


# ---------------------------------------------------------------------------------------------------
# param() block
# ---------------------------------------------------------------------------------------------------
def _split_top(text, sep=","):
    parts, start, i = [], 0, 0
    while i < len(text):
        if text[i] == sep:
            parts.append(text[start:i])
            start = i + 1
            i += 1
            continue
        i = _next_index(text, i)
    parts.append(text[start:])
    return [p for p in parts if p.strip()]


_PARAM_START = re.compile(r"^\s*(\[[^\]]*\]\s*)*param\s*\(", re.IGNORECASE)


def parse_params(script):
    """``(params, body)``: the parameters declared by the script's ``param()`` block and the rest of it.

    Each parameter: ``{"name", "type", "mandatory", "default" (expression text or None), "position"}``."""
    text = strip_comments(script or "")
    m = _PARAM_START.match(text)
    if not m:
        return [], text
    open_idx = m.end() - 1
    close_idx = _match(text, open_idx)
    inner = text[open_idx + 1:close_idx]
    params = []
    for pos, chunk in enumerate(_split_top(inner)):
        chunk = chunk.strip()
        mandatory = False
        ptype = None
        i = 0
        while i < len(chunk) and chunk[i] in "[ \t\n":
            if chunk[i] != "[":
                i += 1
                continue
            k = _match(chunk, i)
            attr = chunk[i + 1:k].strip()
            if attr.lower().startswith("parameter"):
                mm = re.search(r"\bMandatory\b\s*(=\s*\$?(\w+))?", attr, re.IGNORECASE)
                if mm:
                    mandatory = mm.group(2) is None or mm.group(2).lower() in ("true", "1")
            elif "(" not in attr:
                ptype = attr
            i = k + 1
        rest = chunk[i:].strip()
        vm = re.match(r"\$(\w+)\s*(=\s*(.*))?$", rest, re.DOTALL)
        if not vm:
            continue
        params.append({
            "name": vm.group(1), "type": ptype, "mandatory": mandatory,
            "default": vm.group(3).strip() if vm.group(3) else None, "position": pos,
        })
    return params, text[close_idx + 1:]


def runbook_parameters(script):
    """The ``parameters`` property Azure shows for a runbook's content."""
    params, _body = parse_params(script)
    out = {}
    for p in params:
        entry = {
            "type": TYPE_NAMES.get((p["type"] or "object").lower(), p["type"] or "System.Object"),
            "isMandatory": p["mandatory"], "position": p["position"],
        }
        if p["default"] is not None:
            default = p["default"].strip()
            if len(default) >= 2 and default[0] == default[-1] and default[0] in "'\"":
                default = default[1:-1]
            entry["defaultValue"] = default
        out[p["name"]] = entry
    return out


# ---------------------------------------------------------------------------------------------------
# the interpreter
# ---------------------------------------------------------------------------------------------------
class Interpreter:
    def __init__(self, context):
        self.ctx = context
        self.streams = []
        self.sinks = []
        self.functions = {}
        self.connected = False
        self.try_depth = 0
        version = str(context.get("runtime_version") or "5.1")
        self.vars = {
            "true": True, "false": False, "null": None,
            "erroractionpreference": "Continue", "verbosepreference": "SilentlyContinue",
            "psversiontable": _obj("System.Management.Automation.PSVersionHashTable",
                                   PSVersion=PS_VERSIONS.get(version, version),
                                   PSEdition="Desktop" if version == "5.1" else "Core"),
        }

    # -- streams ----------------------------------------------------------------------------------
    def emit(self, value):
        """Uncaptured output: to the innermost collector, else the Output stream."""
        for item in _items(value):
            if self.sinks:
                self.sinks[-1].append(item)
            else:
                self.streams.append({"type": "Output", "text": self._output_text(item)})

    @staticmethod
    def _output_text(item):
        if isinstance(item, dict) and "DomainName" in item:
            return item["DomainName"]
        return to_text(item)

    def record(self, stream, text):
        self.streams.append({"type": stream, "text": text})

    def error(self, message, action=None, statement=False):
        """An error of a command. Non-terminating ones (``statement=False``) are written to the Error stream
        and the script goes on, unless ``-ErrorAction`` or ``$ErrorActionPreference`` is ``Stop``.
        Statement-terminating ones ignore ``-ErrorAction``: inside ``try`` they go to ``catch``/``finally``,
        under ``$ErrorActionPreference = 'Stop'`` they end the script, otherwise they are written and the
        script goes on with the next statement."""
        preference = to_text(self.vars.get("erroractionpreference")).lower()
        if statement:
            if preference == "stop":
                raise PSError(message)
            if self.try_depth:
                raise PSError(message, statement=True)
            self.record("Error", message)
            return
        effective = (action or preference).lower()
        if effective == "stop":
            raise PSError(message)
        if effective not in ("silentlycontinue", "ignore"):
            self.record("Error", message)

    # -- blocks -----------------------------------------------------------------------------------
    def run(self, text):
        for stmt in split_statements(text):
            try:
                self.statement(stmt)
            except PSError as err:
                if not (err.statement and not self.try_depth):
                    raise
                self.record("Error", err.message)  # out of a try/finally: it ends that statement only
            except (_Exit, _Return):
                raise
            except Exception:  # syntax this evaluator does not read: the statement does nothing
                continue

    def collect(self, text, bindings=None, stop_at_return=False):
        """Run ``text`` and return what it outputs instead of writing it (``$(...)``, script blocks,
        functions). ``bindings`` are variables set for the run only."""
        saved = {}
        for name, value in (bindings or {}).items():
            saved[name] = self.vars.get(name, _MISSING)
            self.vars[name] = value
        self.sinks.append([])
        try:
            self.run(text)
        except _Return:
            if not stop_at_return:
                raise
        finally:
            out = self.sinks.pop()
            for name, value in saved.items():
                if value is _MISSING:
                    self.vars.pop(name, None)
                else:
                    self.vars[name] = value
        return out

    # -- statements -------------------------------------------------------------------------------
    def statement(self, stmt):
        head = re.match(r"[A-Za-z]+", stmt)
        keyword = head.group(0).lower() if head else ""
        if keyword == "try" and re.match(r"try\s*\{", stmt, re.IGNORECASE):
            return self._try(stmt)
        if keyword == "if" and re.match(r"if\s*\(", stmt, re.IGNORECASE):
            return self._if(stmt)
        if keyword == "foreach" and re.match(r"foreach\s*\(", stmt, re.IGNORECASE):
            return self._foreach(stmt)
        if keyword in ("function", "filter"):
            m = re.match(r"(?:function|filter)\s+([\w\-.]+)\s*(\([^{]*\))?\s*\{", stmt, re.IGNORECASE | re.DOTALL)
            if m:
                k = _match(stmt, m.end() - 1)
                body = stmt[m.end():k]
                if m.group(2):
                    params, _rest = parse_params("param" + m.group(2))
                else:
                    params, body = parse_params(body)
                self.functions[m.group(1).lower()] = (params, body)
            return None
        if keyword in ("while", "do", "switch", "for", "until", "class", "enum", "using", "workflow", "configuration"):
            return None
        if keyword in ("break", "continue") and len(stmt) == len(keyword):
            return None
        if keyword == "throw" and (len(stmt) == 5 or not (stmt[5].isalnum() or stmt[5] in "-_")):
            rest = stmt[5:].strip()
            if not rest:
                current = self.vars.get("_")
                raise PSError(to_text(current) if current is not None else "ScriptHalted")
            value = self.expression(tokenize(rest))
            raise PSError(to_text(value) if value is not None else "ScriptHalted")
        if keyword == "exit" and (len(stmt) == 4 or stmt[4].isspace()):
            raise _Exit()
        if keyword == "return" and (len(stmt) == 6 or stmt[6].isspace()):
            if stmt[6:].strip():
                self.emit(self.pipeline(tokenize(stmt[6:].strip())))
            raise _Return()
        tokens = tokenize(stmt)
        if not tokens:
            return None
        # assignments: $x = ..., [type]$x = ..., $x += ...
        idx = 0
        if tokens[0][0] == "var":
            idx = 1
        elif tokens[0][0] == "type" and len(tokens) > 1 and tokens[1][0] == "var":
            idx = 2
        if idx and len(tokens) > idx and tokens[idx] in (("op", "="), ("op", "+=")):
            target = tokens[idx - 1]
            value = self.pipeline(tokens[idx + 1:])
            if isinstance(value, list) and len(value) == 1 and tokens[idx + 1][0] not in ("array",):
                value = value[0]
            if tokens[0][0] == "type":
                value = self.cast(tokens[0][1], value)
            if tokens[idx][1] == "+=":
                old = self.lookup(target[1])
                if isinstance(old, list):
                    value = old + _items(value)
                elif isinstance(old, (int, float)) and isinstance(value, (int, float)):
                    value = old + value
                else:
                    value = to_text(old) + to_text(value)
            if not target[2]:
                self.vars[_scoped(target[1])] = value
            return None
        self.emit(self.pipeline(tokens))
        return None

    def _blocks(self, stmt, i):
        """Skip whitespace from ``i``; returns (next word, index)."""
        while i < len(stmt) and stmt[i].isspace():
            i += 1
        m = re.match(r"[A-Za-z]+", stmt[i:])
        return (m.group(0).lower() if m else ""), i

    def _braced(self, stmt, i):
        while i < len(stmt) and stmt[i] != "{":
            i += 1
        k = _match(stmt, i)
        return stmt[i + 1:k], k + 1

    def _try(self, stmt):
        body, i = self._braced(stmt, 3)
        catches, final = [], None
        while True:
            word, j = self._blocks(stmt, i)
            if word == "catch":
                block, i = self._braced(stmt, j + 5)
                catches.append(block)
            elif word == "finally":
                final, i = self._braced(stmt, j + 7)
            else:
                break
        try:
            try:
                self.try_depth += 1
                try:
                    self.run(body)
                finally:
                    self.try_depth -= 1
            except PSError as err:
                if not catches:
                    raise
                saved = self.vars.get("_", _MISSING)
                self.vars["_"] = error_record(err.message)
                try:
                    self.run(catches[0])
                finally:
                    if saved is _MISSING:
                        self.vars.pop("_", None)
                    else:
                        self.vars["_"] = saved
        finally:
            if final is not None:
                self.run(final)

    def _if(self, stmt):
        i = 2
        branches = []
        cond_start = stmt.index("(", i)
        cond_end = _match(stmt, cond_start)
        body, i = self._braced(stmt, cond_end + 1)
        branches.append((stmt[cond_start + 1:cond_end], body))
        while True:
            word, j = self._blocks(stmt, i)
            if word == "elseif":
                cs = stmt.index("(", j)
                ce = _match(stmt, cs)
                body, i = self._braced(stmt, ce + 1)
                branches.append((stmt[cs + 1:ce], body))
            elif word == "else":
                body, i = self._braced(stmt, j + 4)
                branches.append((None, body))
            else:
                break
        for cond, body in branches:
            if cond is None or truthy(self.condition(cond)):
                self.run(body)
                return

    def _foreach(self, stmt):
        cs = stmt.index("(")
        ce = _match(stmt, cs)
        m = re.match(r"\s*\$(\w+)\s+in\s+(.*)$", stmt[cs + 1:ce], re.IGNORECASE | re.DOTALL)
        body, _i = self._braced(stmt, ce + 1)
        if not m:
            return
        items = _items(self.pipeline(tokenize(m.group(2))))
        for item in items:
            self.vars[m.group(1).lower()] = item
            self.run(body)

    def condition(self, text):
        try:
            return self.pipeline(tokenize(text))
        except PSError:
            raise
        except Exception:  # a condition the evaluator cannot read counts as false
            return False

    # -- pipelines and expressions ---------------------------------------------------------------
    def pipeline(self, tokens):
        tokens = [t for t in tokens if t[0] != "redirect"] if any(t[0] == "redirect" for t in tokens) else tokens
        parts = split_tokens(tokens, "|")
        value = None
        for part in parts:
            if not part:
                continue
            if part[0][0] == "word" and not _is_number(part[0][1]):
                value = self.command(part[0][1], part[1:], value)
            elif part[0][0] == "op" and part[0][1] in ("&", "."):
                value = None
            else:
                value = self.expression(part)
        return value

    def expression(self, tokens):
        if not tokens:
            return None
        # -or / -and are the loosest
        for logical in ("or", "and"):
            idxs = [i for i, t in enumerate(tokens) if t[0] == "param" and t[1].lower() == logical]
            if idxs:
                pieces, start = [], 0
                for i in idxs:
                    pieces.append(tokens[start:i])
                    start = i + 1
                pieces.append(tokens[start:])
                results = [truthy(self.expression(p)) for p in pieces]
                return any(results) if logical == "or" else all(results)
        if tokens[0] == ("op", "!") or (tokens[0][0] == "param" and tokens[0][1].lower() == "not"):
            return not truthy(self.expression(tokens[1:]))
        value, i = self.operand(tokens, 0)
        while i < len(tokens):
            tok = tokens[i]
            if tok == ("op", "+"):
                right, i = self.operand(tokens, i + 1)
                if isinstance(value, list):
                    value = value + _items(right)
                elif isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(right, (int, float)):
                    value = value + right
                else:
                    value = to_text(value) + to_text(right)
                continue
            if tok[0] == "param":
                op = tok[1].lower()
                if tok[2] is not None:
                    right = self.value(tok[2])
                    i += 1
                else:
                    right, i = self.operand(tokens, i + 1)
                if op == "join":
                    value = to_text(right).join(to_text(v) for v in _items(value))
                elif op == "f":
                    args = _items(right)
                    value = re.sub(r"\{(\d+)\}", lambda m: to_text(args[int(m.group(1))]) if int(m.group(1)) < len(args) else "",
                                   to_text(value))
                elif op in ("split",):
                    value = re.split(to_text(right), to_text(value))
                elif op in ("replace",):
                    pair = _items(right)
                    value = re.sub(to_text(pair[0]), to_text(pair[1]) if len(pair) > 1 else "", to_text(value), flags=re.IGNORECASE)
                elif op in COMPARISONS:
                    value = _compare(op, value, right)
                else:
                    value = None
                continue
            i += 1
        return value

    def operand(self, tokens, i):
        """One operand; a comma list (``a, b``) binds tighter than the binary operators."""
        value, i = self._single(tokens, i)
        if i < len(tokens) and tokens[i] == ("op", ","):
            values = [value]
            while i < len(tokens) and tokens[i] == ("op", ","):
                item, i = self._single(tokens, i + 1)
                values.append(item)
            return values, i
        return value, i

    def _single(self, tokens, i):
        if i >= len(tokens):
            return None, i
        tok = tokens[i]
        if tok[0] == "type" and i + 1 < len(tokens):
            value, j = self._single(tokens, i + 1)
            return self.cast(tok[1], value), j
        if tok == ("op", "!") or (tok[0] == "param" and tok[1].lower() == "not"):
            value, j = self._single(tokens, i + 1)
            return not truthy(value), j
        return self.value(tok), i + 1

    def value(self, tok):
        kind = tok[0]
        if kind == "str":
            _k, body, quote, _here = tok
            if quote == "'":
                return body if _here else body.replace("''", "'")
            return self.interpolate(body)
        if kind == "var":
            return self.path(self.lookup(tok[1]), tok[2])
        if kind == "word":
            word = tok[1]
            if _is_number(word):
                return float(word) if "." in word else int(word)
            return word
        if kind == "paren":
            return self.path(self._unwrap(self.pipeline(tokenize(tok[1]))), tok[2])
        if kind == "subexpr":
            out = self.collect(tok[1])
            return self.path(out[0] if len(out) == 1 else (out or None), tok[2])
        if kind == "array":
            return list(self.collect(tok[1]))
        if kind == "hash":
            table = {}
            for entry in split_statements(tok[1]):
                if "=" in entry:
                    key, expr = entry.split("=", 1)
                    table[key.strip().strip("'\"")] = self._unwrap(self.pipeline(tokenize(expr.strip())))
            return table
        if kind == "block":
            return _obj("{" + tok[1] + "}", _block=tok[1])
        if kind == "type":
            return tok[1]
        return None

    @staticmethod
    def _unwrap(value):
        return value[0] if isinstance(value, list) and len(value) == 1 else value

    def lookup(self, name):
        lname = _scoped(name)
        if lname == "psitem":
            lname = "_"
        if lname.startswith("env:"):
            return ""
        return self.vars.get(lname)

    def path(self, value, path):
        for step in path or []:
            if isinstance(step, tuple):
                idx = self._unwrap(self.pipeline(tokenize(step[1])))
                seq = _items(value)
                try:
                    value = seq[int(idx)]
                except (ValueError, TypeError, IndexError):
                    value = None
            else:
                value = _prop(value, step)
        return value

    def cast(self, type_name, value):
        t = type_name.lower()
        if t == "string":
            return to_text(value)
        if t in ("int", "int32", "long"):
            try:
                return int(float(to_text(value)))
            except ValueError:
                return None
        if t in ("bool", "boolean", "switch"):
            return truthy(value)
        if t.endswith("[]") or t == "array":
            return _items(value)
        return value

    def interpolate(self, body):
        out = []
        i = 0
        n = len(body)
        escapes = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "a": "\a", "b": "\b", "e": "\x1b"}
        while i < n:
            c = body[i]
            if c == "`" and i + 1 < n:
                out.append(escapes.get(body[i + 1], body[i + 1]))
                i += 2
                continue
            if c == '"' and i + 1 < n and body[i + 1] == '"':
                out.append('"')
                i += 2
                continue
            if c == "$" and i + 1 < n and body[i + 1] == "(":
                k = _match(body, i + 1)
                res = self.collect(body[i + 2:k])
                out.append(to_text(res[0] if len(res) == 1 else res))
                i = k + 1
                continue
            if c == "$" and i + 1 < n and body[i + 1] == "{":
                k = _match(body, i + 1)
                out.append(to_text(self.lookup(body[i + 2:k])))
                i = k + 1
                continue
            if c == "$" and i + 1 < n and (body[i + 1].isalnum() or body[i + 1] == "_"):
                j = i + 1
                while j < n and (body[j].isalnum() or body[j] == "_" or (body[j] == ":" and body[i + 1:j].lower() == "env")):
                    j += 1
                out.append(to_text(self.lookup(body[i + 1:j])))
                i = j
                continue
            out.append(c)
            i += 1
        return "".join(out)

    # -- commands ---------------------------------------------------------------------------------
    def bind(self, args):
        """Split command arguments into named values and positional values."""
        named, positional = {}, []
        i = 0
        while i < len(args):
            tok = args[i]
            if tok[0] == "param":
                name = tok[1].lower()
                if tok[2] is not None:
                    named[name] = self.value(tok[2])
                    i += 1
                    continue
                nxt = args[i + 1] if i + 1 < len(args) else None
                if name in KNOWN_SWITCHES or nxt is None or nxt[0] == "param":
                    named[name] = True
                    i += 1
                    continue
                vals, i = self._arg_value(args, i + 1)
                named[name] = vals
                continue
            if tok[0] == "splat":
                table = self.lookup(tok[1])
                if isinstance(table, dict):
                    for k, v in table.items():
                        named[k.lower()] = v
                i += 1
                continue
            vals, i = self._arg_value(args, i)
            positional.append(vals)
        return named, positional

    def _arg_value(self, args, i):
        """One argument value, with comma-separated lists (``-Name a, b``)."""
        values = [self.value(args[i])]
        i += 1
        while i + 1 < len(args) and args[i] == ("op", ","):
            values.append(self.value(args[i + 1]))
            i += 2
        return (values[0] if len(values) == 1 else values), i

    def command(self, name, args, piped_input):
        lname = name.lower()
        named, positional = self.bind(args)
        if lname in self.functions:
            return self.call_function(lname, named, positional)
        action = named.get("erroraction")
        action = to_text(action) if action is not None else None
        handler = None
        if re.match(r"^[a-z]+(-[a-z0-9]+)?$", lname):
            handler = getattr(self, "cmd_" + lname.replace("-", "_"), None)
        if lname in ("echo", "write"):
            handler = self.cmd_write_output
        elif lname in ("%", "foreach"):
            handler = self.cmd_foreach_object
        elif lname in ("?", "where"):
            handler = self.cmd_where_object
        elif lname == "select":
            handler = self.cmd_select_object
        elif lname in ("sort", "ft", "fl"):
            handler = self._passthru
        if handler is not None:
            return handler(named, positional, piped_input, action)
        return self.unknown_command(name, action)

    def call_function(self, name, named, positional):
        params, body = self.functions[name]
        bindings = {}
        rest = list(positional)
        for p in params:
            lname = p["name"].lower()
            if lname in named:
                bindings[lname] = named[lname]
            elif rest:
                bindings[lname] = rest.pop(0)
            elif p["default"] is not None:
                bindings[lname] = self._unwrap(self.pipeline(tokenize(p["default"])))
            else:
                bindings[lname] = None
        bindings["args"] = rest
        return self.collect(body, bindings, stop_at_return=True) or None

    def _passthru(self, named, positional, piped_input, action):
        return piped_input

    def unknown_command(self, name, action):
        verb, _dash, noun = name.partition("-")
        if noun.lower().startswith("exo") and noun:
            if not self._exo_module_available():
                self.error(NOT_RECOGNIZED.format(name), statement=True)
            elif not self.connected:
                self.error(MUST_CONNECT, statement=True)
            return None
        if noun.lower() in EXCHANGE_NOUNS and verb:
            if not self.connected:
                self.error(NOT_RECOGNIZED.format(name), statement=True)
            return None
        return None

    def _exo_module_available(self):
        return "exchangeonlinemanagement" in (self.ctx.get("modules") or {})

    # output
    def cmd_write_output(self, named, positional, piped_input, action):
        values = []
        for key in ("inputobject",):
            if key in named:
                values.extend(_items(named[key]))
        for pos in positional:
            values.extend(_items(pos))
        if piped_input is not None:
            values = _items(piped_input) + values
        return values or None

    def _message(self, named, positional):
        for key in ("message", "object", "inputobject", "exception", "errorrecord"):
            if key in named:
                return to_text(named[key])
        return " ".join(to_text(p) for p in positional)

    def cmd_write_warning(self, named, positional, piped_input, action):
        self.record("Warning", self._message(named, positional) or to_text(piped_input))

    def cmd_write_error(self, named, positional, piped_input, action):
        self.error(self._message(named, positional) or to_text(piped_input), action)

    def cmd_write_verbose(self, named, positional, piped_input, action):
        enabled = (named.get("verbose") is True or bool(self.ctx.get("log_verbose"))
                   or to_text(self.vars.get("verbosepreference")).lower() == "continue")
        if enabled:
            self.record("Verbose", self._message(named, positional) or to_text(piped_input))

    def _nothing(self, named, positional, piped_input, action):
        return None

    cmd_write_host = cmd_write_information = cmd_write_progress = cmd_write_debug = _nothing
    cmd_out_null = cmd_start_sleep = cmd_set_strictmode = _nothing

    def cmd_out_string(self, named, positional, piped_input, action):
        return "\n".join(self._output_text(v) for v in _items(piped_input))

    cmd_format_table = cmd_format_list = cmd_sort_object = _passthru

    def cmd_foreach_object(self, named, positional, piped_input, action):
        block = named.get("process") or (positional[0] if positional else None)
        if isinstance(block, dict) and "_block" in block:
            out = []
            for item in _items(piped_input):
                out.extend(self.collect(block["_block"], {"_": item}, stop_at_return=True))
            return out or None
        if isinstance(block, str):  # ForEach-Object PropertyName
            return [_prop(v, block) for v in _items(piped_input)] or None
        return None

    def cmd_where_object(self, named, positional, piped_input, action):
        block = named.get("filterscript") or (positional[0] if positional else None)
        if not (isinstance(block, dict) and "_block" in block):
            return piped_input
        out = []
        for item in _items(piped_input):
            saved = self.vars.get("_", _MISSING)
            self.vars["_"] = item
            try:
                keep = truthy(self.condition(block["_block"].strip()))
            finally:
                if saved is _MISSING:
                    self.vars.pop("_", None)
                else:
                    self.vars["_"] = saved
            if keep:
                out.append(item)
        return out or None

    def cmd_select_object(self, named, positional, piped_input, action):
        items = _items(piped_input)
        if "first" in named:
            items = items[:int(float(to_text(named["first"])))]
        prop = named.get("expandproperty") or named.get("property") or (positional[0] if positional else None)
        if isinstance(prop, str) and prop != "*":
            items = [_prop(v, prop) for v in items]
        return items or None

    def command_available(self, name):
        """Whether a command exists in the session (commands the evaluator does not know are assumed to)."""
        lname = name.lower()
        verb, _dash, noun = lname.partition("-")
        if lname in self.functions:
            return True
        if lname in ("connect-exchangeonline", "disconnect-exchangeonline") or (verb and noun.startswith("exo")):
            return self._exo_module_available()
        if verb and noun in EXCHANGE_NOUNS:
            return self.connected
        return True

    def cmd_get_command(self, named, positional, piped_input, action):
        out = []
        for name in _items(named.get("name", positional[0] if positional else None)):
            name = to_text(name)
            if self.command_available(name):
                kind = "Function" if name.lower() in self.functions else "Cmdlet"
                out.append(_obj(name, Name=name, CommandType=kind))
            else:
                self.error(NOT_RECOGNIZED.format(name), action)
        return out or None

    # automation assets and modules
    def cmd_get_automationvariable(self, named, positional, piped_input, action):
        name = to_text(named.get("name", positional[0] if positional else ""))
        variables = self.ctx.get("variables") or {}
        if name.lower() not in variables:
            self.error(VARIABLE_NOT_FOUND.format(name), action)
            return None
        return variables[name.lower()]

    def cmd_import_module(self, named, positional, piped_input, action):
        for name in _items(named.get("name", positional[0] if positional else None)):
            lname = to_text(name).lower()
            if lname.startswith(BUILTIN_MODULE_PREFIXES) or lname in (self.ctx.get("modules") or {}):
                continue
            self.error(MODULE_NOT_LOADED.format(to_text(name)), action)
        return None

    # Exchange Online
    def cmd_connect_exchangeonline(self, named, positional, piped_input, action):
        ctx = self.ctx
        if not self._exo_module_available():
            # The emulator contract: a runbook that cannot connect fails its job (what users report from
            # Azure Automation), whatever the error preference.
            raise PSError(NOT_RECOGNIZED.format("Connect-ExchangeOnline"))
        if named.get("managedidentity") is not True:
            raise PSError("Connect-ExchangeOnline needs an interactive sign-in, a certificate or -ManagedIdentity; "
                          "a job in Azure Automation can only use -ManagedIdentity.")
        org = to_text(named.get("organization"))
        if not org:
            raise PSError("The Organization parameter is required when connecting with -ManagedIdentity.")
        account_id = named.get("managedidentityaccountid")
        if account_id is not None:
            principal = (ctx.get("user_identities") or {}).get(to_text(account_id).lower())
            if principal is None:
                raise PSError(IDENTITY_NOT_ASSIGNED)
        else:
            principal = ctx.get("system_principal_id")
            if not principal:
                raise PSError(NO_SYSTEM_IDENTITY)
        if org.lower() != str(ctx.get("organization") or "").lower():
            raise PSError(TENANT_NOT_FOUND.format(org))
        access = (ctx.get("exo_access") or (lambda _pid: {}))(principal) or {}
        app_id = access.get("app_id") or (to_text(account_id) if account_id is not None else principal)
        if not access.get("visible"):
            raise PSError(NOT_REPLICATED.format(app_id, ctx.get("tenant_id") or org))
        if not access.get("manage_as_app"):
            raise PSError(UNAUTHORIZED)
        if not set(access.get("role_template_ids") or ()) & EXO_ACCEPTED_ROLE_TEMPLATE_IDS:
            raise PSError(ROLE_NOT_SUPPORTED.format(app_id))
        self.connected = True
        return None

    def cmd_disconnect_exchangeonline(self, named, positional, piped_input, action):
        if not self._exo_module_available():
            self.error(NOT_RECOGNIZED.format("Disconnect-ExchangeOnline"), statement=True)
            return None
        self.connected = False
        return None

    def cmd_get_accepteddomain(self, named, positional, piped_input, action):
        if not self.connected:
            self.error(NOT_RECOGNIZED.format("Get-AcceptedDomain"), statement=True)
            return None
        domains = list(self.ctx.get("accepted_domains") or [])
        default = str(self.ctx.get("organization") or "").lower()
        out = []
        for d in domains:
            out.append(_obj(d, DomainName=d, Name=d, Identity=d, DomainType="Authoritative",
                            Default=d.lower() == default))
        wanted = named.get("identity", positional[0] if positional else None)
        if wanted is not None:
            out = [o for o in out if o["DomainName"].lower() == to_text(wanted).lower()]
        return out or None


_MISSING = object()


def _scoped(name):
    """A variable name without its scope (``$script:x`` is ``x``), lower-cased."""
    lname = name.lower()
    for scope in ("script:", "global:", "local:", "private:", "using:"):
        if lname.startswith(scope):
            return lname[len(scope):]
    return lname


def _is_number(word):
    return re.match(r"^-?\d+(\.\d+)?$", word or "") is not None


# ---------------------------------------------------------------------------------------------------
# entry points
# ---------------------------------------------------------------------------------------------------
def _parse_job_value(raw, ptype):
    """Azure passes parameter values as strings, JSON-encoded for anything but plain strings."""
    t = (ptype or "").lower()
    text = raw if isinstance(raw, str) else json.dumps(raw)
    try:
        decoded = json.loads(text)
    except ValueError:
        decoded = text
    if t in ("string", ""):
        return decoded if isinstance(decoded, str) else text
    return decoded


def bind_parameters(interp, params, values):
    """Bind job parameters to the param block; raises PSError like PowerShell."""
    given = {str(k).lower(): v for k, v in (values or {}).items()}
    declared = {p["name"].lower(): p for p in params}
    for key, _value in (values or {}).items():
        if str(key).lower() not in declared:
            raise PSError(UNKNOWN_PARAMETER.format(key))
    missing = [p["name"] for p in params if p["mandatory"] and p["name"].lower() not in given]
    if missing:
        raise PSError(MISSING_MANDATORY.format(" ".join(missing)))
    for p in params:
        lname = p["name"].lower()
        if lname in given:
            value = _parse_job_value(given[lname], p["type"])
            t = (p["type"] or "").lower()
            if t in ("int", "int32", "long"):
                try:
                    value = int(to_text(value))
                except ValueError:
                    raise PSError(
                        f"Cannot process argument transformation on parameter '{p['name']}'. Cannot convert value "
                        f"\"{to_text(value)}\" to type \"System.Int32\". Error: \"Input string was not in a correct format.\""
                    ) from None
            elif t in ("bool", "boolean", "switch"):
                value = value if isinstance(value, bool) else to_text(value).lower() in ("true", "$true", "1")
            elif t.endswith("[]"):
                value = _items(value)
        elif p["default"] is not None:
            value = interp._unwrap(interp.pipeline(tokenize(p["default"])))
        else:
            value = False if (p["type"] or "").lower() == "switch" else None
        interp.vars[lname] = value


def required_modules(script):
    """Module names of ``#Requires -Modules`` lines."""
    names = []
    for m in re.finditer(r"^[ \t]*#requires\s+-modules?\s+(.+)$", script or "", re.IGNORECASE | re.MULTILINE):
        spec = m.group(1)
        spec = re.sub(r"@\{[^}]*ModuleName\s*=\s*['\"]?([\w.\-]+)['\"]?[^}]*\}", r"\1", spec, flags=re.IGNORECASE)
        names += [n.strip().strip("'\"") for n in spec.split(",") if n.strip().strip("'\"")]
    return names


def evaluate(script, parameters, context):
    """Run a job's script; returns ``{"status", "exception", "streams"}`` (see the module docstring)."""
    context = context or {}
    if context.get("runtime_error"):
        message = context["runtime_error"]
        return {"status": "Failed", "exception": message, "streams": [{"type": "Error", "text": message}]}
    language = context.get("language") or "PowerShell"
    if language.lower() == "python":
        streams = []
        for line in (script or "").splitlines():
            m = re.match(r"""^\s*print\(\s*(['"])(.*)\1\s*\)\s*$""", line)
            if m:
                streams.append({"type": "Output", "text": m.group(2)})
        return {"status": "Completed", "exception": None, "streams": streams}
    if re.match(r"^\s*(workflow|configuration)\b", strip_comments(script or ""), re.IGNORECASE):
        return {"status": "Completed", "exception": None, "streams": []}
    missing = [m for m in required_modules(script) if m.lower() not in (context.get("modules") or {})
               and not m.lower().startswith(BUILTIN_MODULE_PREFIXES)]
    if missing:
        message = (f"The script '{context.get('runbook_name') or 'runbook'}' cannot be run because the following "
                   f"modules that are specified by the \"#requires\" statements of the script are missing: "
                   f"{', '.join(missing)}.")
        return {"status": "Failed", "exception": message, "streams": [{"type": "Error", "text": message}]}
    interp = Interpreter(context)
    status, exception = "Completed", None
    try:
        params, body = parse_params(script)
        bind_parameters(interp, params, parameters)
        interp.run(body)
    except PSError as err:
        status, exception = "Failed", err.message
        interp.record("Error", err.message)
    except (_Exit, _Return):
        pass
    return {"status": status, "exception": exception, "streams": interp.streams}
