"""Event 4: the RTWU's 24-hour rail strike over pay (the first of two similar strikes)."""

from __future__ import annotations

from datetime import datetime

from demo.articles.model import RAIL_STRIKE_OCTOBER, DemoArticle

ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        outlet="dailyledger",
        path="2026/10/21/rail-strike-brings-network-to-a-halt",
        title="Rail strike brings most of the network to a halt",
        authors=("Nikhil Desai",),
        published_at=datetime.fromisoformat("2026-10-21T08:10:00+01:00"),
        paragraphs=(
            "Most trains across the country stood still on Wednesday as members of the Rail and "
            "Transit Workers' Union walked out for 24 hours in a dispute over pay.",
            "Aldermark Rail said it was running about one in five of its usual services, mainly "
            "on intercity routes staffed by managers. Many regional lines had no trains at all.",
            "The union, known as the RTWU, is seeking a pay rise of 7% this year. Aldermark Rail "
            "has offered 3.5%, tied to changes in rostering.",
            "RTWU general secretary Connor Walsh said members had been left with no choice. "
            '"Our members kept this country moving through every crisis, and they have had a '
            'real-terms pay cut three years running," he said on a picket line in the capital.',
            "The company said the union's demand was unaffordable. Its chief executive, Diane "
            "Holloway, said passengers and taxpayers could not be asked to pay for it.",
            "Commuters faced long queues for buses, and roads into the major cities were "
            "heavily congested from early morning.",
            "Some schools in rural areas closed because teachers could not get to work.",
            "Transport minister Ruth Calder urged both sides to return to talks. She said the "
            "government would not intervene directly in the negotiations.",
            "The strike is the first national rail walkout in six years. The union has warned "
            "that more stoppages will follow if there is no improved offer.",
            "Services are expected to return to normal on Thursday, although the first trains "
            "may run later than usual.",
            "Passengers with advance tickets for Wednesday can claim a full refund, Aldermark "
            "Rail said.",
            "Talks between the two sides are scheduled for next week.",
        ),
        event=RAIL_STRIKE_OCTOBER,
        section="National",
    ),
    DemoArticle(
        outlet="northerncourier",
        path="news/local/2026/10/21/northern-commuters-stranded-by-rail-walkout",
        title="Northern commuters stranded as rail workers walk out over pay",
        authors=("Callum Reid",),
        published_at=datetime.fromisoformat("2026-10-21T10:45:00+01:00"),
        paragraphs=(
            "Not a single train left Halden station on Wednesday morning as the first national "
            "rail strike in six years shut down almost every line in the north.",
            "Members of the Rail and Transit Workers' Union began their 24-hour walkout at "
            "midnight in a row over pay. Aldermark Rail said it could run a skeleton service on "
            "a handful of main routes only.",
            "On the picket line outside Halden station, drivers and guards said the company's "
            "offer of 3.5% did not keep up with rents and food prices. The union wants 7%.",
            '"Nobody here wants to strike," said a driver with 22 years\' service. "But we '
            'have been patient for three years."',
            "Buses replacing some local services were full by seven in the morning. At the "
            "hospital in Halden, managers said some staff had arrived hours late.",
            "Connor Walsh, the union's general secretary, said the strike had shown how much the "
            "country relied on rail workers. He said the union was ready to talk at any time.",
            "Aldermark Rail's chief executive, Diane Holloway, said the company had made a fair "
            "offer and urged the union to put it to members.",
            "Shop owners near the station said trade was down by more than half.",
            "The northern lines are among the busiest outside the capital, carrying tens of "
            "thousands of commuters a day.",
            "Transport minister Ruth Calder said she was disappointed by the strike but would not "
            "step in.",
            "Trains are due to run again from Thursday morning.",
            "The union said further dates could be announced within weeks.",
        ),
        event=RAIL_STRIKE_OCTOBER,
        section="Local",
    ),
    DemoArticle(
        outlet="frontlinepatriot",
        path="2026/10/21/union-bosses-hold-country-hostage",
        title="Union bosses hold the country hostage as trains stop",
        authors=("Megan Tuttle",),
        published_at=datetime.fromisoformat("2026-10-21T09:00:00-04:00"),
        paragraphs=(
            "Union bosses brought the country to a standstill on Wednesday, calling out rail "
            "workers in a strike that has left millions of ordinary people stranded.",
            "The Rail and Transit Workers' Union wants a 7% pay rise, twice what Aldermark Rail "
            "has offered and far more than most working families will see this year.",
            "RTWU boss Connor Walsh, who earns a six-figure salary, claimed his members had "
            "suffered years of pay cuts.",
            "Nurses, shop workers and small business owners had to find other ways to get to "
            "work, or lost a day's wages.",
            "Only a fraction of trains ran. Roads in and out of every major city were jammed by "
            "dawn.",
            "Transport minister Ruth Calder refused to act, saying it was a matter for the "
            "company and the union. Critics say the government has let the unions run riot.",
            "Other countries require a minimum service on strike days. Aldermark does not.",
            "Aldermark Rail's chief executive, Diane Holloway, said the union's demands were "
            "unaffordable and would end up being paid by passengers.",
            "Commuters told Frontline Patriot they had run out of patience.",
            '"They get paid more than I do and they still walk out," said a care worker '
            "waiting for a bus that was already full.",
            "The union has threatened more strikes if it does not get its way.",
            "The government has so far done nothing to stop them.",
        ),
        event=RAIL_STRIKE_OCTOBER,
        section="Nation",
    ),
)
