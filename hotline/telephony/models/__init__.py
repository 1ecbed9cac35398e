from hotline.telephony.models.callbacks import Callback
from hotline.telephony.models.calls import Call, CallLeg, CallTransfer, Line
from hotline.telephony.models.originations import Origination
from hotline.telephony.models.pbx import CallEvent, PbxSource, RejectedRequest
from hotline.telephony.models.scripts import CallScript, ScriptRun, ScriptVersion

__all__ = [
    "Call",
    "CallEvent",
    "CallLeg",
    "CallScript",
    "CallTransfer",
    "Callback",
    "Line",
    "Origination",
    "PbxSource",
    "RejectedRequest",
    "ScriptRun",
    "ScriptVersion",
]
