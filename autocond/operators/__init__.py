"""The runtime that converted code calls (as `ac__`): each operator decides at trace time
between plain Python and a `lax` control-flow primitive."""

from autocond.operators.calls import call as call
from autocond.operators.conditionals import if_stmt as if_stmt
from autocond.operators.conditionals import python_bool as python_bool
from autocond.operators.conditionals import python_subject as python_subject
from autocond.operators.conditionals import switch_stmt as switch_stmt
from autocond.operators.debugging import assert_ as assert_
from autocond.operators.debugging import print_ as print_
from autocond.operators.effects import attr_store as attr_store
from autocond.operators.effects import item_store as item_store
from autocond.operators.effects import object_change as object_change
from autocond.operators.effects import outer_store as outer_store
from autocond.operators.logical import and_ as and_
from autocond.operators.logical import compare as compare
from autocond.operators.logical import if_exp as if_exp
from autocond.operators.logical import not_ as not_
from autocond.operators.logical import or_ as or_
from autocond.operators.loops import for_stmt as for_stmt
from autocond.operators.loops import iterate as iterate
from autocond.operators.loops import range_ as range_
from autocond.operators.loops import while_stmt as while_stmt
from autocond.operators.slices import append as append
from autocond.operators.slices import index as index
from autocond.operators.slices import setitem as setitem
from autocond.operators.slices import stacked as stacked
from autocond.operators.variables import Undefined as Undefined
from autocond.operators.variables import UndefinedReturnValue as UndefinedReturnValue
from autocond.operators.variables import getattr_ as getattr_
from autocond.operators.variables import ld as ld
from autocond.operators.variables import setattr_ as setattr_
