"""M8 qualification offensive and M10 opening of schools and kindergartens.

German and literacy courses and bilingual information events raise personal resources,
especially of migrant women; multiplier trainings raise committee experience. School projects
("Mama lernt Deutsch", parents' circles) lower the threshold to institutions (trust).
"""

from __future__ import annotations

from stadtteil_sim.model import kernels
from stadtteil_sim.model.population import INFORMED, MEMBER
from stadtteil_sim.model.processes.context import MonthContext


def step(ctx: MonthContext) -> None:
    """Qualification: courses and multiplier training; school projects (M8, M10)."""
    rng = ctx.rng("qualification")
    draw = rng.random((ctx.state.pop.size, 3))
    if ctx.effort <= 0.0:
        return
    pop, q = ctx.state.pop, ctx.behaviour.qualification
    intensity = ctx.scenario.instruments.qualification_intensity
    # Courses reach informed migrant adults, women weighted (women_weight), at
    # min(1, course_rate · intensity · effort · weight) a month: German and resources grow towards 1;
    # members become multipliers at course_rate · intensity · effort (experience grows). School
    # projects reach informed parents at 0.1 · effort: trust, identification, and mothers' German.
    reached = pop.adult & pop.migrant & (pop.level >= INFORMED)
    kernels.qualify(
        reached, pop.female, pop.migrant, pop.parent, pop.level, pop.german, pop.resources, pop.experience,
        pop.trust, pop.identification, draw, bool(ctx.switches.qualification), bool(ctx.switches.education),
        q.course_rate * intensity * ctx.effort, float(q.women_weight), float(q.german_gain),
        float(q.experience_gain), 0.1 * ctx.effort, MEMBER, INFORMED,
    )
