"""The project's error type: the CLI prints its message (which names the record, file or field and the fix)
and exits with status 2, without a stack trace."""


class DopdError(Exception):
    """An error the user can fix from its message alone."""
