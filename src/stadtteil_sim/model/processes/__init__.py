"""Monthly processes, one module per mechanism group; each is a function over the arrays.

Each process is ``step(ctx)`` over a :class:`MonthContext` and draws only from its own named
stream, in arrays of a fixed shape per month (common random numbers). Their order is
``model/month.py: MONTH``; what one hands to a later one travels in the context.
"""
