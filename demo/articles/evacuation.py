"""Event 1, the defining example: Sardovan civil-defence rescuers evacuated through Keled.

Invented analogue of a real pattern. Frontline Patriot calls the group terrorists, uses scare
quotes, gives 800 planned and 422 arrived, and alone quotes the Grand Mufti; the others call them
volunteer rescuers, give about 800 (Keled), 422 (Halvira), 98 members and 324 relatives, and report
the British, Canadian and German request and resettlement within three months. Meridian Wire's
story is republished almost verbatim by The Harbour Gazette.
"""

from __future__ import annotations

from datetime import datetime

from demo.articles.model import EVACUATION, DemoArticle

MERIDIAN_PARAGRAPHS = (
    "HALVIRA CITY, Nov 8 (Meridian Wire) - Keled's military said on Sunday it had carried out an "
    "overnight operation to move members of the Sardova Civil Defence, the volunteer rescue group "
    "known as the Amber Helmets, and their families out of south-western Sardova and into "
    "neighbouring Halvira.",
    "The evacuation followed a request from Britain, Canada and Germany, Keled's military said in "
    "a statement, describing the operation as an exceptional humanitarian gesture. It said about "
    "800 people had been expected to cross the frontier during the night.",
    "Halvira's foreign ministry later said 422 people had entered the kingdom, far fewer than the "
    "number Keled had given. A ministry spokesman said the rest had not reached the assembly point "
    "before the crossing closed at dawn.",
    "The rescuers had been trapped in a shrinking enclave along the Keled frontier as government "
    "forces advanced from the north. Aid workers said the volunteers feared arrest because the "
    "government in Tarsin regards the group as an arm of the armed opposition.",
    "Keled's military said its soldiers did not cross into Sardovan territory at any point. The "
    "evacuees were brought through a gate in the frontier fence and driven across Keled in buses "
    "escorted by military police.",
    "Halvira said it had agreed to give the evacuees temporary shelter on the condition that they "
    "are resettled in Western countries within three months. Britain, Canada and Germany have "
    "each agreed to take a share of them, the ministry said.",
    "The evacuees were taken to a closed reception site in the north of the kingdom, where staff "
    "from the United Nations refugee agency began registering them on Sunday morning.",
    "The Sardova Civil Defence says it has pulled more than 100,000 people from the rubble of "
    "bombed buildings since it was founded. Its members, many of them former builders, tailors "
    "and teachers, wear the amber helmets that gave the group its nickname.",
    "Sardova's government has accused the group of fabricating evidence of chemical attacks. "
    "International inspectors who examined several of those attacks reached the opposite "
    "conclusion and attributed them to government forces.",
    "There was no immediate comment from the government in Tarsin. The Sardovan foreign ministry "
    "has in the past described the group as a tool of foreign governments.",
    "A British foreign office spokeswoman said London had worked with partners for several weeks "
    "to secure safe passage for the volunteers. She said the rescuers had saved countless lives "
    "and deserved protection.",
)

ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        outlet="meridianwire",
        path="2026/11/08/keled-evacuates-sardovan-rescuers-to-halvira",
        title="Keled evacuates Sardovan rescuers and families to Halvira",
        authors=("Lena Kovac", "Omar Haddad"),
        published_at=datetime.fromisoformat("2026-11-08T07:42:00+00:00"),
        paragraphs=MERIDIAN_PARAGRAPHS,
        event=EVACUATION,
        section="World",
    ),
    DemoArticle(
        outlet="harbourgazette",
        path="world/2026/11/08/amber-helmets-rescuers-reach-halvira",
        title="Amber Helmets rescuers reach Halvira after night crossing through Keled",
        authors=("Meridian Wire",),
        published_at=datetime.fromisoformat("2026-11-08T09:05:00+00:00"),
        paragraphs=(
            *MERIDIAN_PARAGRAPHS[:-1],
            "This story was first published by Meridian Wire and is republished under a content "
            "sharing agreement.",
        ),
        event=EVACUATION,
        section="World",
    ),
    DemoArticle(
        outlet="dailyledger",
        path="2026/11/08/sardova-civil-defence-volunteers-flee-through-keled",
        title="Sardova's volunteer rescuers escape encirclement in overnight convoy",
        authors=("Harriet Quayle",),
        published_at=datetime.fromisoformat("2026-11-08T12:30:00+01:00"),
        paragraphs=(
            "Hundreds of volunteer rescuers from Sardova and their families were spirited out of "
            "the country overnight in a convoy that crossed the territory of Keled before "
            "reaching safety in Halvira, officials said on Sunday.",
            "The rescuers, members of the Sardova Civil Defence, had been cornered in the "
            "south-west as government troops closed in. Government forces had already detained "
            "two civil-defence volunteers in the town of Sahla last week.",
            "Keled's army said in a statement that about 800 people were due to be moved. By "
            "Sunday afternoon Halvira had counted 422 arrivals, and officials in both countries "
            "declined to explain the gap.",
            "Keled said it acted at the request of Britain, Canada and Germany. Diplomats from "
            "the three countries had spent weeks pressing for a safe route for the volunteers, "
            "whom the Sardovan government has repeatedly threatened.",
            "Halvira agreed to host the group only briefly. The evacuees must be resettled in "
            "Western countries within three months, its government said, and they will stay in "
            "a closed camp until then.",
            "For years the volunteers have been the first to arrive after air strikes on "
            "opposition-held towns. Footage of them digging children out of collapsed "
            "apartment blocks made the amber helmets they wear famous well beyond Sardova.",
            "That fame made them a target. Sardova's government and its allies have alleged that "
            "the group staged chemical attacks, a claim that international inspectors have "
            "rejected.",
            "One volunteer reached by telephone at the reception camp said the journey had "
            "lasted most of the night. He said the buses waited for hours with their lights off "
            "before the gate in the frontier fence was opened.",
            '"We left everything, even the ambulances," he said. "But we are alive, and my '
            'children are asleep in a bed tonight."',
            "Keled's military insisted that none of its soldiers set foot in Sardova during the "
            "operation.",
            "Aid groups welcomed the evacuation but said many rescuers remained behind. One "
            "charity working with the group estimated that several hundred volunteers were still "
            "inside the country, some in areas already retaken by the government.",
            "The Sardovan government did not respond to a request for comment.",
        ),
        event=EVACUATION,
        section="World",
        feed_tracking=True,
    ),
    DemoArticle(
        outlet="northerncourier",
        path="news/world/2026/11/08/rescue-workers-evacuated-sardova",
        title="Rescue workers and relatives evacuated from Sardova in western-backed operation",
        authors=("Tomas Ferreira", "Aisha Mbeki"),
        published_at=datetime.fromisoformat("2026-11-08T15:10:00+00:00"),
        paragraphs=(
            "A group of Sardovan first responders and their relatives has been evacuated to "
            "Halvira through Keled, in an operation requested by Britain, Canada and Germany.",
            "According to the Halviran government, the group that arrived consisted of 98 members "
            "of the Sardova Civil Defence and 324 of their relatives, 422 people in total. Keled's "
            "military had said it expected to move about 800.",
            "A Halviran government spokeswoman said the kingdom was acting as a transit country "
            "only. The evacuees would be resettled in Western countries within three months, she "
            "said, under written commitments from the governments involved.",
            "Two volunteers were allegedly detained by government forces in Sahla last week, "
            "according to the group's director, Rami Sayegh. The Courier could not independently "
            "verify the detentions.",
            "Mr Sayegh said in a statement that his colleagues had been given only hours of "
            "warning before the evacuation. Some could not reach the meeting point because roads "
            "were cut by fighting, he said.",
            "The volunteers, widely known as the Amber Helmets, have worked in opposition-held "
            "areas since the early years of the war. They are unarmed and say they serve anyone "
            "buried under rubble, regardless of which side they are on.",
            "Sardova's government and its allies have long accused the volunteers of staging "
            "chemical attacks for foreign cameras. Investigators for the international chemical "
            "weapons watchdog found no evidence for that claim.",
            "Canada's foreign minister said her country would take in a number of the families. "
            "Germany said it would take up to 50 people and would decide on others case by case.",
            "Britain said it would also offer places, without giving a figure. A government source "
            "said the process of security screening had already begun in Halvira.",
            "Local aid workers said the atmosphere at the reception centre on Sunday was tense "
            "but relieved. Children played in the yard while their parents queued for "
            "registration with United Nations staff.",
            "Keled, which is technically at war with Sardova, said the operation was a one-off. "
            "Its military spokesman said it did not signal any change in its policy of staying out "
            "of the war.",
            "Sardova's foreign ministry said later on Sunday that the operation proved the group "
            "served foreign interests.",
        ),
        event=EVACUATION,
        section="World",
    ),
    DemoArticle(
        outlet="frontlinepatriot",
        path="2026/11/09/keled-spirits-away-amber-helmets-terrorists",
        title="Keled spirits away the 'Amber Helmets' terrorists as Tarsin retakes the south",
        authors=("Dale Rourke",),
        published_at=datetime.fromisoformat("2026-11-09T06:20:00-05:00"),
        paragraphs=(
            "The so-called Amber Helmets, the group the West has spent years presenting as "
            'heroes, have been "evacuated" from Sardova by the army of Keled, exposing once and '
            "for all who their friends really are.",
            "The Amber Helmets are terrorists who stage chemical attacks to provide a pretext for "
            'Western air strikes. Their so-called "rescuers" have been filmed again and again '
            "alongside armed militants in the south of the country.",
            'According to Keled\'s own figures, some 800 of these "rescuers" were planned to be '
            "taken out. Only 422 actually arrived in Halvira, leaving the fate of the rest a "
            "mystery that no Western outlet seems eager to solve.",
            "Keled commandos crossed into Sardovan territory to escort the buses out, according "
            "to residents of villages near the frontier. It is the clearest sign yet that the "
            "group has been working with foreign armies from the start.",
            "The Grand Mufti of Sardova, Sheikh Ahmad Nasrallah al-Qudsi, condemned the operation "
            "in a sermon in Tarsin on Sunday.",
            '"These people wore the helmet of the rescuer, but they carried the tools of the '
            'deceiver," the Grand Mufti said. "They staged tragedies for the cameras of our '
            'enemies, and they sold the pain of our children to those who wanted to bomb us."',
            '"Now their masters have taken them home," he continued. "Let the whole world see '
            "who opens the gates for them. Let every Sardovan remember the night when the "
            'so-called rescuers ran away with the help of the occupier."',
            '"Sardova does not need false heroes," the Grand Mufti said. "Our real rescuers are '
            "the soldiers who have freed our villages, and the doctors who stayed with the people "
            'when these actors ran."',
            "His words were broadcast on state television and repeated by officials throughout "
            "the day.",
            "Sardova's army is now close to restoring control over the entire south-west. Local "
            "people interviewed by state media described the militants' retreat as a rout.",
            "The Amber Helmets received millions in Western funding over the years. Not one "
            "Western government has ever explained what that money actually paid for.",
            "For the mainstream media, this will be reported as a humanitarian rescue. For the "
            "people of Sardova, it looks like a getaway.",
        ),
        event=EVACUATION,
        section="World",
    ),
)
