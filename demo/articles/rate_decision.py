"""Event 3: the Bank of Aldermark cuts its policy rate by a quarter point."""

from __future__ import annotations

from datetime import datetime

from demo.articles.model import RATE_DECISION, DemoArticle

ARTICLES: tuple[DemoArticle, ...] = (
    DemoArticle(
        outlet="meridianwire",
        path="2026/11/19/bank-of-aldermark-cuts-rate-to-4-percent",
        title="Bank of Aldermark cuts key rate to 4.00% in split vote",
        authors=("Jonas Erikson",),
        published_at=datetime.fromisoformat("2026-11-19T12:04:00+00:00"),
        paragraphs=(
            "ALDERMARK, Nov 19 (Meridian Wire) - The Bank of Aldermark cut its main interest rate "
            "by a quarter of a percentage point to 4.00% on Thursday, citing slowing inflation "
            "and a weakening jobs market.",
            "The monetary policy committee voted six to three for the cut. Three members voted to "
            "keep the rate at 4.25%, the bank said in a statement.",
            "Consumer price inflation fell to 2.6% in October from 3.1% in September, official "
            "figures showed last week, close to the bank's 2% target.",
            'Governor Eleanor Vance said the committee would move carefully. "We are not on a '
            'pre-set path," she told a news conference. "Each decision will depend on the '
            'data."',
            "It was the bank's second cut this year, after a reduction in June.",
            "The crown fell 0.4% against the dollar after the announcement, while two-year "
            "government bond yields dropped to their lowest level since early 2025.",
            "Most economists polled by Meridian Wire had expected the cut, although a sizeable "
            "minority had forecast a pause.",
            "The bank lowered its growth forecast for next year to 0.9% from 1.2%. It said "
            "unemployment was likely to rise to 5.1% by the middle of next year.",
            "Finance minister Paul Hendry welcomed the decision, saying it would bring relief to "
            "households with mortgages.",
            "Business groups also welcomed the cut but said firms needed more help with energy "
            "costs.",
            "The committee's next decision is due on Feb. 4.",
            "Minutes of Thursday's meeting will be published in two weeks.",
        ),
        event=RATE_DECISION,
        section="Business",
    ),
    DemoArticle(
        outlet="dailyledger",
        path="2026/11/19/interest-rates-cut-what-it-means-for-mortgages",
        title="Interest rates cut to 4%: what it means for your mortgage",
        authors=("Olivia Grant",),
        published_at=datetime.fromisoformat("2026-11-19T13:30:00+00:00"),
        paragraphs=(
            "Borrowers received some good news on Thursday as the Bank of Aldermark lowered "
            "interest rates from 4.25% to 4%, the first cut in more than two years.",
            "The decision was far from unanimous. Six members of the rate-setting committee "
            "backed a cut while three wanted to wait, warning that wage growth remained strong.",
            "Governor Eleanor Vance said inflation had come down faster than expected, to 2.6% "
            "last month. But she cautioned against expecting a rapid series of cuts.",
            "For a typical homeowner on a tracker mortgage, the cut is worth about 35 crowns a "
            "month, according to calculations by the Ledger.",
            "Those on fixed-rate deals will see no immediate change. Brokers said lenders had "
            "already begun trimming the rates on new fixed deals in anticipation of the "
            "decision.",
            "Savers are likely to be the losers. Several banks said they would review the "
            "rates they pay on easy-access accounts in the coming days.",
            "The bank now expects the economy to grow by just 0.9% next year, and it warned "
            "that unemployment would rise.",
            "Finance minister Paul Hendry described the cut as a sign that the government's plan "
            "was working. Opposition figures said it was a sign that the economy was "
            "stalling.",
            "The crown weakened against the dollar after the announcement.",
            "Markets now expect at least one more cut by the middle of next year.",
            "The bank's next announcement is on 4 February.",
            "Until then, borrowers would be wise not to count on further relief, one broker said.",
        ),
        event=RATE_DECISION,
        section="Money",
    ),
    DemoArticle(
        outlet="northerncourier",
        path="news/business/2026/11/19/rate-cut-northern-firms-react",
        title="Rate cut welcomed by northern firms, but exporters want more",
        authors=("Callum Reid",),
        published_at=datetime.fromisoformat("2026-11-19T16:20:00+00:00"),
        paragraphs=(
            "Businesses across the north welcomed Thursday's decision by the Bank of Aldermark "
            "to cut interest rates to 4%, though many said it came too late.",
            "The central bank's policy committee split six to three, with the minority voting to "
            "hold the rate at 4.25%.",
            "The bank pointed to inflation, which dropped to 2.6% in October, and to signs that "
            "the labour market was cooling.",
            "Governor Eleanor Vance said the bank was not committed to further cuts. The next "
            "decision is due in February.",
            "At a steelworks supplier in Halden, the finance director said the firm's overdraft "
            'costs would fall only slightly. "It helps, but energy is still our biggest '
            'problem," she said.',
            "The Northern Chamber of Commerce said a quarter-point cut would not change many "
            "investment plans on its own. It called on the government to cut business rates.",
            "Housebuilders were more upbeat. One regional developer said buyers had been "
            "waiting for a signal that borrowing costs had peaked.",
            "Exporters said the weaker crown that followed the announcement would help them "
            "sell abroad.",
            "The bank cut its forecast for growth next year to 0.9%.",
            "It also warned that unemployment could rise above 5% by next summer, with "
            "manufacturing regions likely to be hit hardest.",
            "Union leaders in the region said the forecast showed the need for investment in "
            "northern industry.",
            "The Courier will follow the effect of the cut on local firms in the coming months.",
        ),
        event=RATE_DECISION,
        section="Business",
    ),
)
