"""Monthly processes, one module per mechanism group; each is a function over the arrays.

Each process takes a :class:`MonthContext` and draws only from its own named stream, in arrays
of a fixed shape per month (common random numbers).
"""
