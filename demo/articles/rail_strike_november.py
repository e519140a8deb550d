"""Event 5: the RTWU's 48-hour strike over staffing, a month after its first walkout.

Same union, same company, same officials and similar words as event 4, but a different
occurrence: the hard negative for same-event retrieval.
"""

from __future__ import annotations

from datetime import datetime

from demo.articles.model import RAIL_STRIKE_NOVEMBER, DemoArticle

ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        outlet="meridianwire",
        path="2026/11/24/rail-workers-begin-48-hour-strike-over-staffing",
        title="Rail workers begin 48-hour strike over guard and ticket office cuts",
        authors=("Priya Raman",),
        published_at=datetime.fromisoformat("2026-11-24T06:30:00+00:00"),
        paragraphs=(
            "ALDERMARK, Nov 24 (Meridian Wire) - Rail workers began a 48-hour national strike on "
            "Tuesday over plans to remove guards from some trains and close ticket offices, "
            "their second walkout in just over a month.",
            "The Rail and Transit Workers' Union said the stoppage would run until midnight on "
            "Wednesday. Aldermark Rail said it expected to run about 30% of normal services.",
            "The dispute has shifted from pay to staffing. The company plans to close 140 "
            "station ticket offices and to let drivers operate doors on suburban routes.",
            "The union says the changes would cost about 1,900 jobs and make stations less safe, "
            "especially at night. Aldermark Rail says no one will be made redundant.",
            "RTWU general secretary Connor Walsh said the plans would leave passengers alone on "
            'empty platforms. "This is about safety, not just jobs," he said.',
            "Aldermark Rail chief executive Diane Holloway said most tickets were now bought "
            "online and that staff would be moved onto platforms to help passengers.",
            "The union walked out for 24 hours last month in a separate dispute over pay. That "
            "dispute was settled two weeks ago with a 5% deal.",
            "Transport minister Ruth Calder said the government would publish plans for a "
            "minimum service level on strike days early next year.",
            "Freight services were not affected by the strike, the company said.",
            "No talks are scheduled.",
            "The union said it would announce further dates if the plans were not withdrawn.",
            "Passengers were advised to travel only if necessary.",
        ),
        event=RAIL_STRIKE_NOVEMBER,
        section="National",
    ),
    DemoArticle(
        outlet="dailyledger",
        path="2026/11/24/second-rail-strike-ticket-offices",
        title="Second rail strike in a month as union fights ticket office closures",
        authors=("Nikhil Desai",),
        published_at=datetime.fromisoformat("2026-11-24T09:20:00+00:00"),
        paragraphs=(
            "Train services were cut to a fraction of normal on Tuesday as rail workers began "
            "a two-day strike, the second national walkout in just over a month.",
            "This time the Rail and Transit Workers' Union is fighting plans to shut 140 ticket "
            "offices and take guards off suburban trains, rather than pay.",
            "Aldermark Rail said it would run about three in ten trains on both days, with the "
            "last services finishing early in the evening.",
            "Connor Walsh, the union's general secretary, said the closures would put the most "
            'vulnerable passengers at risk. "Try buying a ticket from a machine in a wheelchair '
            'at ten at night," he said.',
            "Diane Holloway, the company's chief executive, said ticket office use had fallen "
            "by two thirds in a decade. She said staff would be redeployed, not sacked.",
            "The union puts the number of jobs at risk at about 1,900.",
            "Last month's 24-hour stoppage was over pay and ended with a 5% settlement, which "
            "the union accepted in a ballot.",
            "Disability charities have backed the union's campaign against the closures. "
            "Passenger groups are divided.",
            "Commuters in the capital faced packed platforms and long waits for the few trains "
            "running.",
            "Transport minister Ruth Calder said the strike was unnecessary and confirmed that "
            "the government would legislate for minimum service levels.",
            "Services are expected to resume on Thursday.",
            "The union has not ruled out strikes in the run-up to the holidays.",
        ),
        event=RAIL_STRIKE_NOVEMBER,
        section="National",
    ),
    DemoArticle(
        outlet="northerncourier",
        path="news/local/2026/11/24/halden-station-ticket-office-strike",
        title="Halden's ticket office among those at stake as 48-hour rail strike begins",
        authors=("Bethan Morgan",),
        published_at=datetime.fromisoformat("2026-11-24T11:00:00+00:00"),
        paragraphs=(
            "Rail workers in the north joined a 48-hour national strike on Tuesday against plans "
            "that would close the ticket office at Halden station and dozens more across the "
            "region.",
            "The Rail and Transit Workers' Union says 31 ticket offices in the north are on "
            "Aldermark Rail's list of 140 closures.",
            "Only a few trains ran between Halden and the capital, and most branch lines had no "
            "service at all.",
            "Pickets outside Halden station said the fight was different from last month's pay "
            'strike. "This is about whether there is anyone at the station when you need '
            'help," said a ticket clerk who has worked there for 15 years.',
            "Connor Walsh, the RTWU general secretary, visited the picket line on Tuesday "
            "afternoon.",
            "Aldermark Rail says ticket office staff would move to the concourse to help "
            "passengers and that no one would lose their job.",
            "Local councillors from all parties have written to the company opposing the "
            "closure of Halden's office.",
            "The strike comes after a 24-hour walkout in October, which ended with a pay deal.",
            "Businesses near the station said the second strike in a month would hit them hard "
            "in the busy weeks before the holidays.",
            "Transport minister Ruth Calder has said the government will bring in minimum "
            "service rules.",
            "Trains are due to run normally again on Thursday.",
            "The union said more dates would follow if the closures went ahead.",
        ),
        event=RAIL_STRIKE_NOVEMBER,
        section="Local",
    ),
    DemoArticle(
        outlet="harbourgazette",
        path="news/2026/11/25/ferry-passengers-rail-strike-second-day",
        title="Ferry passengers scramble for connections on second day of rail strike",
        authors=("Fiona Carrick",),
        published_at=datetime.fromisoformat("2026-11-25T08:40:00+00:00"),
        paragraphs=(
            "Passengers arriving on the overnight ferries found no trains waiting on Wednesday "
            "as a 48-hour rail strike entered its second day.",
            "The port's rail link normally carries thousands of ferry passengers a day to the "
            "capital. Aldermark Rail ran just four trains from the harbour station.",
            "The strike by the Rail and Transit Workers' Union is over plans to close 140 ticket "
            "offices, including the one at the harbour station, and to remove guards from some "
            "trains.",
            "Ferry operators laid on extra coaches, but queues at the terminal stretched out of "
            "the building by mid-morning.",
            '"We were told there would be buses," said a family travelling home with three '
            'children. "There was one bus, and it was full."',
            "Union general secretary Connor Walsh said the closures would hit places like the "
            "port hardest, where many travellers do not speak the language or know the network.",
            "Aldermark Rail said staff would remain available on platforms and that the changes "
            "reflected how passengers now bought tickets.",
            "The union's previous strike, in October, was over pay and was settled this month.",
            "Harbour businesses said they lost trade on both strike days.",
            "Services are due to return to normal on Thursday.",
            "No new talks have been announced.",
            "The port authority said it had asked the government to consider the harbour link "
            "when drawing up its minimum service rules.",
        ),
        event=RAIL_STRIKE_NOVEMBER,
        section="News",
    ),
)
