class ReviewError(Exception):
    """A workflow move that is not allowed; the message is shown to the user as is."""


class IllegalTransition(ReviewError):
    pass


class NotPermitted(ReviewError):
    pass


class OwnEditApproval(NotPermitted):
    pass


class Recused(NotPermitted):
    """The reviewer declared a current interest in the drug."""


class StaleRevision(ReviewError):
    pass


class NothingToSubmit(ReviewError):
    pass


class AddressTaken(ReviewError):
    pass


class PolicyRefusal(ReviewError):
    """The review policy does not allow this approval (the message says why)."""


class AuditTrailAppendOnly(Exception):
    """An attempt to change or delete an audit entry: the trail only ever grows."""


class AuditChainBroken(Exception):
    """The audit trail cannot be extended: its chain head is missing while entries exist."""
