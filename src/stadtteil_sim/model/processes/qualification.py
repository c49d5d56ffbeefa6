"""M8 qualification offensive and M10 opening of schools and kindergartens.

German and literacy courses and bilingual information events raise personal resources,
especially of migrant women; multiplier trainings raise committee experience. School projects
("Mama lernt Deutsch", parents' circles) lower the threshold to institutions (trust).
"""

from __future__ import annotations

from stadtteil_sim.model import kernels
from stadtteil_sim.model.processes.context import MonthContext


def step(ctx: MonthContext) -> None:
    """Qualification: courses and multiplier training; school projects (M8, M10)."""
    if ctx.effort <= 0.0:
        return  # nothing is offered; the month's qualification draws are not needed
    draw = ctx.keyed("qualification", 3)  # read only for those a course, training or project can reach
    pop = ctx.state.pop
    q = ctx.behaviour.qualification
    intensity = ctx.scenario.instruments.qualification_intensity
    kernels.qualify(pop.level, pop.age_band, pop.community, pop.female, pop.parent, pop.german, pop.resources,
                    pop.experience, pop.trust, pop.identification, draw.key, draw.width, ctx.switches.qualification,
                    q.course_rate * intensity * ctx.effort, q.women_weight, q.german_gain, q.experience_gain,
                    ctx.switches.education, 0.1 * ctx.effort)
