"""What the areas app tells the apps above it, which it must not import (docs/development.md).

`boroughs_reloaded` is sent, inside the loading transaction, after borough boundaries change.
Each app with point records receives it, re-assigns its records' boroughs set-based, and returns
the number of rows it updated; an exception rolls the whole load back.
"""

from django.dispatch import Signal

boroughs_reloaded = Signal()
