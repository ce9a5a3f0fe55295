# -*- coding: utf-8 -*-
# Copyright (c) m365.exo_automation contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action of m365.exo_automation.audit_report: write an audit report (a JSON document) to a file on the
controller, in one step and without a module process.

``ansible.builtin.copy`` with ``content`` would run two module processes for the same file (``stat`` to compare,
then ``copy`` or ``file``); the audit of every account writes its report, so this action writes it where the play
runs (the audit's hosts are local), compares it with the file that is there and replaces the file only when the
text differs. In check mode it writes too: the report is the audit's output, not part of the setup.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import tempfile

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.module_utils.common.text.converters import to_native
from ansible.module_utils.six import string_types
from ansible.plugins.action import ActionBase
from ansible.plugins.filter.core import to_nice_json

MODES = {"0644": 0o644, "0640": 0o640, "0600": 0o600}


def render(report):
    """The file's text: ``report`` as ``to_nice_json(indent=2)`` writes it (sorted keys), one newline at the
    end."""
    return to_nice_json(report, indent=2) + "\n"


def write_text(path, text, mode):
    """Write ``text`` to ``path`` with ``mode`` unless the file holds it already; True when it was written. The
    file is replaced in one step (a reader sees the old report or the new one, never a part)."""
    try:
        with open(path, "r", encoding="utf-8") as f:
            if f.read() == text:
                if (os.stat(path).st_mode & 0o777) != mode:
                    os.chmod(path, mode)
                    return True
                return False
    except (IOError, OSError, ValueError):
        pass
    directory = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(prefix=".exo-audit-", dir=directory)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return True


class ActionModule(ActionBase):
    TRANSFERS_FILES = False
    _VALID_ARGS = frozenset(("path", "report", "mode"))
    _requires_connection = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = self._task.args
        path = args.get("path")
        if not path or not isinstance(path, string_types):
            raise AnsibleActionFail("option 'path' is required: the file the report goes to, on the controller")
        report = args.get("report")
        if not isinstance(report, dict):
            raise AnsibleActionFail("option 'report' must be a dict (the audit report), not %s"
                                    % type(report).__name__)
        mode_text = str(args.get("mode") or "0644")
        if mode_text not in MODES:
            raise AnsibleActionFail("option 'mode': %s is not one of %s" % (mode_text, ", ".join(sorted(MODES))))
        path = os.path.abspath(os.path.expanduser(path))
        if not os.path.isdir(os.path.dirname(path)):
            raise AnsibleActionFail("option 'path': directory %s does not exist; create it or give another path"
                                    % os.path.dirname(path))
        try:
            text = render(report)
        except (AnsibleError, TypeError, ValueError) as err:
            raise AnsibleActionFail("option 'report' cannot be written as JSON: %s" % to_native(err))
        try:
            changed = write_text(path, text, MODES[mode_text])
        except (IOError, OSError) as err:
            raise AnsibleActionFail("writing the report to %s failed: %s" % (path, to_native(err)))
        result.update(changed=changed, path=path, size=len(text.encode("utf-8")))
        return result
