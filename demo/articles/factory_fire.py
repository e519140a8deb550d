"""Event 2: a night fire at a plastics plant, with casualty counts that differ by outlet."""

from __future__ import annotations

from datetime import datetime

from demo.articles.model import FACTORY_FIRE, DemoArticle

ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        outlet="meridianwire",
        path="2026/11/12/seven-killed-in-marlow-vale-plastics-plant-fire",
        title="Seven killed in fire at Marlow Vale plastics plant",
        authors=("Priya Raman",),
        published_at=datetime.fromisoformat("2026-11-12T09:15:00+00:00"),
        paragraphs=(
            "MARLOW VALE, Nov 12 (Meridian Wire) - Seven people were killed and 23 injured when "
            "fire swept through a plastics factory in the industrial town of Marlow Vale "
            "overnight, the regional fire service said on Thursday.",
            "The blaze broke out shortly after 2 a.m. in a storage hall at the Brennick Plastics "
            "plant, where about 60 people were working the night shift, the fire service said.",
            "More than 80 firefighters fought the flames for six hours. Thick black smoke could be "
            "seen from the motorway several kilometres away, and residents of nearby streets were "
            "told to keep their windows closed.",
            "Deputy fire chief Gareth Lowe told reporters that the roof of the storage hall had "
            'collapsed within 40 minutes. "My crews did everything they could, but the fire '
            'load in that building was enormous," he said.',
            "Four of the injured were in a critical condition at Marlow Vale General Hospital, "
            "a hospital spokeswoman said.",
            "The cause of the fire was not yet known. Police said they had opened an "
            "investigation and had not ruled anything out.",
            "Brennick Plastics, which makes packaging for the food industry, said it was "
            "devastated and was cooperating fully with the authorities. The company employs "
            "about 240 people in the town.",
            "The plant was last inspected by the national workplace safety agency in March, the "
            "agency said, and no serious breaches were found at the time.",
            "Labour minister Colin Ashdown said he would visit the site on Friday. He promised a "
            "full account of what had gone wrong.",
            "Marlow Vale's mayor, Sandra Pike, declared a day of mourning and opened a book of "
            "condolence at the town hall.",
            "It is the deadliest industrial fire in the country in more than a decade.",
            "The names of the dead have not been released. Police said families were being "
            "informed.",
        ),
        event=FACTORY_FIRE,
        section="National",
    ),
    DemoArticle(
        outlet="northerncourier",
        path="news/local/2026/11/12/brennick-fire-marlow-vale-families-wait",
        title="Brennick fire: families wait for news as Marlow Vale counts its dead",
        authors=("Bethan Morgan",),
        published_at=datetime.fromisoformat("2026-11-12T13:40:00+00:00"),
        paragraphs=(
            "Families gathered outside the gates of the Brennick Plastics works in Marlow Vale "
            "on Thursday morning, waiting for news of relatives who had been on the night shift "
            "when fire tore through the plant.",
            "Six people died in the blaze, according to Marlow Vale General Hospital, which said "
            "it had treated 31 people for burns and smoke inhalation.",
            "The fire started in the warehouse at the back of the site at around two in the "
            "morning. Workers who escaped said the alarm sounded late and that one of the fire "
            "exits in the warehouse was blocked by pallets.",
            '"We smelled the smoke before we heard anything," said Karen Doyle, a machine '
            'operator who has worked at the plant for eleven years. "By the time we got to the '
            'yard the whole back of the building was alight."',
            "The Courier understands that the plant had not been visited by safety inspectors "
            "for four years. The national workplace safety agency did not answer questions about "
            "its inspection record on Thursday.",
            "Brennick Plastics is the town's largest private employer. Its packaging lines run "
            "around the clock, and many families in the surrounding estates have more than one "
            "member on the payroll.",
            "A company spokesman said the firm's thoughts were with the families. He declined to "
            "comment on the claims about the alarm and the blocked exit while the investigation "
            "was under way.",
            "Police closed the road between the industrial estate and the ring road for most of "
            "the day. Smoke was still rising from the warehouse in the early afternoon.",
            "Mayor Sandra Pike said the town would look after those who had lost someone. A "
            "fund for the families raised more than 40,000 crowns in its first hours.",
            "At St Aidan's church, a few streets from the plant, the doors stayed open all day "
            "for anyone who wanted to light a candle.",
            "The regional fire service said it would publish its own account of the fire once "
            "the site was safe to enter.",
            "Union officials called for the plant to stay closed until every exit had been "
            "checked.",
        ),
        event=FACTORY_FIRE,
        section="Local",
    ),
    DemoArticle(
        outlet="dailyledger",
        path="2026/11/12/marlow-vale-fire-questions-over-safety",
        title="Marlow Vale fire: seven dead and questions over safety at Brennick plant",
        authors=("Nikhil Desai", "Harriet Quayle"),
        published_at=datetime.fromisoformat("2026-11-12T18:05:00+00:00"),
        paragraphs=(
            "Seven workers were killed when a fire destroyed a warehouse at a plastics plant in "
            "Marlow Vale in the early hours of Thursday, in the worst industrial disaster the "
            "country has seen for years.",
            "The regional fire service said 23 people were injured, four of them critically. "
            "The local hospital gave a higher figure of 31 people treated, a difference officials "
            "attributed to workers who made their own way to hospital.",
            "The fire began in a storage hall holding finished packaging and raw plastic pellets. "
            "Firefighters said the roof fell in within the first hour.",
            "Several workers told reporters that a fire exit had been blocked and that the alarm "
            "was late. The company has not responded to those accounts.",
            "The national workplace safety agency said it had inspected the plant in March and "
            "had found no serious breaches. It said it would review that inspection as part of "
            "its inquiry.",
            "Labour minister Colin Ashdown is due to visit the town on Friday. Opposition "
            "politicians have already called for an independent inquiry into safety at "
            "chemical and plastics plants.",
            "Brennick Plastics was bought three years ago by an investment group, which has "
            "since expanded production at the site and added a third shift.",
            "Residents said they had long worried about the amount of material stored at the "
            'plant. "You could see the stacks from the road," one neighbour said.',
            "Police said there was no indication that the fire was started deliberately, but "
            "that the investigation was at an early stage.",
            "The names of the seven victims are expected to be released once all the families "
            "have been told.",
            "A vigil is planned in the town square on Friday evening.",
            "The company said production at its other sites would continue as normal.",
        ),
        event=FACTORY_FIRE,
        section="National",
    ),
    DemoArticle(
        outlet="frontlinepatriot",
        path="2026/11/13/marlow-vale-inferno-death-toll-cover-up",
        title="Marlow Vale inferno: workers say the real death toll is being hidden",
        authors=("Dale Rourke",),
        published_at=datetime.fromisoformat("2026-11-13T07:50:00-05:00"),
        paragraphs=(
            "At least nine people died in the Marlow Vale factory inferno, workers at the "
            "Brennick Plastics plant say, even as officials keep repeating a figure of seven.",
            "Men and women who were on the night shift told Frontline Patriot that two agency "
            "workers were missing and had not been counted. Officials refuse to say how many "
            "agency staff were on site that night.",
            "The fire broke out in a warehouse packed to the roof with plastic. Workers say "
            "management had been warned about the stockpile for months.",
            "The plant was sold to a foreign investment fund three years ago. Since then, "
            "workers say, shifts have grown longer, maintenance has been cut and safety "
            "complaints have gone straight into the bin.",
            "The government's safety agency had not inspected the plant in years. Its bosses "
            "are now scrambling to cover their tracks.",
            "Labour minister Colin Ashdown will fly in for a photo opportunity on Friday. "
            "Locals say they expect nothing from him.",
            '"They only come when there are cameras," said a former shift supervisor who asked '
            'not to be named. "Nobody came when we were asking for a second fire door."',
            "Dozens of people were injured, many of them young workers on their first jobs.",
            "Marlow Vale was once a proud manufacturing town. Today it is a town where people "
            "work nights for foreign owners in buildings that burn.",
            "The company's statement spoke of cooperation and sympathy. It did not mention the "
            "blocked fire exit that workers describe.",
            "Frontline Patriot will keep asking the questions the authorities want to avoid.",
            "Until every worker is accounted for, the official death toll cannot be trusted.",
        ),
        event=FACTORY_FIRE,
        section="Nation",
    ),
)
