"""M8 qualification offensive and M10 opening of schools and kindergartens.

German and literacy courses and bilingual information events raise personal resources,
especially of migrant women; multiplier trainings raise committee experience. School projects
("Mama lernt Deutsch", parents' circles) lower the threshold to institutions (trust).
"""

from __future__ import annotations

import numpy as np

from stadtteil_sim.model.population import INFORMED, MEMBER
from stadtteil_sim.model.processes.context import MonthContext


def step(ctx: MonthContext) -> None:
    """Qualification: courses and multiplier training; school projects (M8, M10)."""
    rng = ctx.rng("qualification")
    draw = rng.random((ctx.state.pop.size, 3))
    if ctx.effort <= 0.0:
        return
    pop = ctx.state.pop
    q = ctx.behaviour.qualification
    intensity = ctx.scenario.instruments.qualification_intensity
    reached = pop.adult & pop.migrant & (pop.level >= INFORMED)
    if ctx.switches.qualification:
        weight = np.where(pop.female, q.women_weight, 1.0)
        course = reached & (draw[:, 0] < np.minimum(1.0, q.course_rate * intensity * ctx.effort * weight))
        pop.german[course] += q.german_gain * (1.0 - pop.german[course])
        pop.resources[course] += 0.02 * (1.0 - pop.resources[course])
        multiplier = pop.migrant & (pop.level >= MEMBER) & (draw[:, 1] < q.course_rate * intensity * ctx.effort)
        pop.experience[multiplier] += q.experience_gain * (1.0 - pop.experience[multiplier])
    if ctx.switches.education:
        school = pop.parent & (pop.level >= INFORMED) & (draw[:, 2] < 0.1 * ctx.effort)
        pop.trust[school] += 0.03 * (1.0 - pop.trust[school])
        pop.identification[school] += 0.01 * (1.0 - pop.identification[school])
        mothers = school & pop.female & pop.migrant
        pop.german[mothers] += 0.5 * q.german_gain * (1.0 - pop.german[mothers])
