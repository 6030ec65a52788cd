"""Build the categoriser training corpus (`train_set.jsonl`) reproducibly.

    python -m mmaudit.categorise.data.build_train            # writes data/train_set.jsonl
    python -m mmaudit.categorise.data.build_train --model    # ... and retrains data/categoriser.npz
    python -m mmaudit.categorise.data.dev_eval               # the honest dev figure (families held out)

The corpus = the hand-written examples of `train_handwritten.jsonl` (sample weight 3) + generated
examples, each tagged with its template `family` (generator and call site) for the dev split. The
generator composes, with a fixed seed, task templates (system prompts that define the job, user
instructions, JSON-schema demands, multi-turn histories, RAG contexts, tool offers, pasted
documents, non-English instructions, typos) with slot fillers (tickets, reviews, emails, articles,
invoices, code, questions, math problems...). Everything here was written from general knowledge
of how production apps call LLM APIs, independently of the evaluation set (`eval_set.jsonl`),
which is never read by this script.

Complexity labels follow the taxonomy in docs/categorisation.md and are assigned per template
from what the request really asks for (one short label or fact: simple; a document, several
fields, a batch, a multi-part deliverable: moderate; long inputs with many constraints, proofs,
designs, multi-step plans: complex) - not from the rule score.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

SEED = 20240605
HANDWRITTEN_WEIGHT = 3
HERE = Path(__file__).resolve().parent
R = random.Random(SEED)


def pick(xs):  # type: ignore[no-untyped-def]
    return R.choice(xs)


def sample(xs, k):  # type: ignore[no-untyped-def]
    return R.sample(xs, min(k, len(xs)))


def chance(p: float) -> bool:
    return R.random() < p


# ----------------------------------------------------------------------------------------------
# surface noise: typos, casing, quoting, politeness
# ----------------------------------------------------------------------------------------------

_KEYBOARD = "qwertyuiopasdfghjklzxcvbnm"


def typo(text: str, rate: float = 0.04) -> str:
    """Swap, drop or double a letter in some words (users type fast)."""
    words = text.split(" ")
    out = []
    for w in words:
        if len(w) > 3 and w.isalpha() and chance(rate * 3):
            i = R.randrange(1, len(w) - 1)
            op = R.randrange(4)
            if op == 0:
                w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
            elif op == 1:
                w = w[:i] + w[i + 1:]
            elif op == 2:
                w = w[:i] + w[i] + w[i:]
            else:
                w = w[:i] + pick(_KEYBOARD) + w[i + 1:]
        out.append(w)
    return " ".join(out)


def casual(text: str) -> str:
    """Lower-case, drop the final full stop, sometimes add typos or a please."""
    if chance(0.4):
        text = text[0].lower() + text[1:] if text else text
    if chance(0.3):
        text = text.rstrip(".")
    if chance(0.25):
        text = typo(text)
    if chance(0.12):
        text = pick(["pls ", "please ", "quick one: ", "hey, ", "Hi! ", "hello, ", "can you ", "could you "]) + (
            text[0].lower() + text[1:] if text else text)
    if chance(0.08):
        text = text + pick([" thx", " thanks!", " ty", " 🙏", " asap", " please"])
    return text


def quote(text: str) -> str:
    """One of the ways apps and users delimit the input they paste."""
    style = R.randrange(9)
    if style == 0:
        return f"'{text}'"
    if style == 1:
        return f'"{text}"'
    if style == 2:
        return f"\n\n{text}"
    if style == 3:
        return f"\n---\n{text}\n---"
    if style == 4:
        return f"\n<text>\n{text}\n</text>"
    if style == 5:
        return f"\n\"\"\"\n{text}\n\"\"\""
    if style == 6:
        return f"\nInput: {text}"
    if style == 7:
        return f" «{text}»"
    return f"\n\n### INPUT\n{text}"


def joiner(instruction: str, payload: str) -> str:
    """Instruction before or after the pasted payload."""
    if chance(0.25):
        return f"{payload.strip()}\n\n{instruction}"
    return f"{instruction}{quote(payload)}" if chance(0.85) else f"{instruction} {payload}"


# ----------------------------------------------------------------------------------------------
# content pools (slot fillers)
# ----------------------------------------------------------------------------------------------

COMPANIES = ["Acme", "Northwind", "Globex", "Initech", "Umbrella Health", "Brightline", "Helios Energy", "Kite Bank",
             "Parcelly", "Streamly", "FitPro", "Lumen Telecom", "Orbit Travel", "Zentro", "Bloom Florists",
             "CasaNova Furniture", "Pixelforge", "Vanta Insurance", "GreenGrocer", "Skyline Airlines", "MediPlus",
             "Quanta Cloud", "RideNow", "Sable Books", "Tandem HR", "Wavelength Audio", "Nordlicht GmbH",
             "Maison Dubois", "Ferreira & Filhos", "Sakura Denki"]
PEOPLE = ["Anna Kowalczyk", "James O'Neill", "Priya Raman", "Lukas Becker", "Sofia García", "Chen Wei",
          "Fatima Al-Sayed", "Tom Hughes", "Marie Lefèvre", "João Pereira", "Yuki Tanaka", "Olu Adeyemi",
          "Hannah Schmidt", "Diego Martínez", "Emily Carter", "Raj Mehta", "Ingrid Larsen", "Kwame Mensah",
          "Laura Rossi", "Mateo Silva", "Aiko Suzuki", "Noah Williams", "Elif Yilmaz", "Pierre Martin"]
CITIES = ["Berlin", "Lisbon", "Austin", "Osaka", "Lyon", "Toronto", "Melbourne", "Madrid", "Nairobi", "Seoul",
          "Denver", "Porto", "Hamburg", "Dublin", "Mexico City", "São Paulo", "Kraków", "Rotterdam"]
PRODUCTS = ["wireless earbuds", "standing desk", "espresso machine", "running shoes", "smart thermostat",
            "4K monitor", "air purifier", "hiking backpack", "electric toothbrush", "robot vacuum",
            "yoga mat", "mechanical keyboard", "baby stroller", "cast-iron skillet", "e-reader", "office chair",
            "noise-cancelling headphones", "water bottle", "gaming mouse", "portable charger"]

TICKETS = [
    "I was charged twice for my March invoice, please refund the duplicate",
    "The app crashes every time I open the camera tab on my Pixel 7",
    "How do I change the email address on my account?",
    "My package says delivered but it's not here, neighbours haven't seen it",
    "I'd like to upgrade to the business plan, who can I talk to about volume pricing?",
    "Password reset link expired before I could click it, twice now",
    "Your courier left the parcel in the rain and the box is soaked",
    "Can I get an invoice with my company VAT number on it?",
    "The dashboard has been loading forever since this morning, nothing shows up",
    "Please cancel my subscription at the end of this billing period",
    "I keep getting error 502 when uploading files over 20MB",
    "Is there a student discount?",
    "The export to CSV is missing the last column",
    "Someone logged into my account from another country, I didn't do that!!",
    "Our team can't receive notifications on Slack anymore after the update",
    "I want to return the shoes, they are one size too small",
    "The coupon code SPRING20 says invalid at checkout",
    "We were promised an onboarding call but nobody contacted us",
    "my card got declined but the money left my account",
    "I'd love a dark mode option in the mobile app",
    "The API rate limit seems lower than what our contract says",
    "the food arrived cold and 40 minutes late",
    "Can you add Portuguese to the supported languages?",
    "I can't find where to download my tax statement",
    "URGENT: checkout is down for all our customers",
    "Thanks, the issue is fixed now, great support!",
    "The sofa fabric is a different colour from the photos",
    "How long does shipping to Canada take?",
    "Ich wurde doppelt belastet, bitte um Rückerstattung",
    "Die App stürzt beim Start ab seit dem letzten Update",
    "Je n'arrive pas à me connecter à mon compte depuis hier",
    "Le colis est arrivé endommagé, que dois-je faire ?",
    "No puedo descargar la factura de febrero",
    "Quiero cancelar mi suscripción, por favor",
    "Meu pedido ainda não chegou e já se passaram duas semanas",
    "O aplicativo não abre no meu iPhone",
    "請求が二重になっています。返金をお願いします。",
    "アプリが起動しません。再インストールしても同じです。",
    "La consegna è in ritardo di una settimana",
    "De bestelling is beschadigd aangekomen",
]

REVIEWS = [
    "Battery lasts forever and the sound is crisp. Worth every penny.",
    "Stopped working after two weeks. Support never answered.",
    "It's okay. Does the job, nothing special.",
    "The staff were lovely but the room smelled of smoke.",
    "Absolutely terrible, the worst purchase I've made this year",
    "Delivery was fast, packaging could be better, product is great",
    "I expected more for this price, the build feels cheap",
    "Best pizza in town, we come back every Friday!",
    "Setup took 5 minutes and it just works",
    "meh. the app is buggy and logs me out constantly",
    "Customer service resolved my issue within an hour, impressed",
    "Too loud, too big, returned it",
    "Not bad, not great. Average coffee, nice view.",
    "The instructions were useless but the product itself is solid",
    "I love it!!! bought a second one for my mum",
    "The update ruined the interface, bring back the old one",
    "Fits perfectly, fabric is soft, colour as pictured",
    "Waited 3 weeks for a replacement part that never came",
    "Sehr gutes Preis-Leistungs-Verhältnis, gerne wieder",
    "Service lamentable, je ne recommande pas",
    "Producto excelente, llegó antes de lo previsto",
    "Horrível. Veio quebrado e ninguém responde",
    "とても使いやすいです。また買います。",
    "Qualità scarsa, si è rotto subito",
]

EMAILS = [
    ("Subject: Q3 offsite\n\nHi all,\nThe Q3 offsite will be on 14-15 September at the Lakeview Lodge. Please book "
     "your travel by 20 August and send receipts to finance. Agenda to follow.\n\nBest,\n{p}"),
    ("Subject: Re: contract renewal\n\n{p},\nWe are happy to renew for another 12 months at the current rate of "
     "EUR 4,200/month if signed before 30 June. After that the new price list applies (+8%). Let me know.\n\nRegards"),
    ("Hello,\nI ordered a {prod} (order #{num}) on {date} and it still hasn't shipped. I paid for express delivery. "
     "Could you tell me when it will arrive or refund the shipping fee?\nThanks, {p}"),
    ("Dear team,\nFollowing the audit, three findings need action: (1) access reviews are overdue for 14 users, "
     "(2) backups of the CRM were not tested since January, (3) two vendors lack signed DPAs. Owners and "
     "deadlines are in the attached sheet.\n{p}, Compliance"),
    ("Hi {p},\nJust a reminder that your appointment with Dr. Novak is on {date} at 10:30. Please arrive 15 minutes "
     "early and bring your insurance card. Reply C to cancel.\n{c} Clinic"),
    ("Team - the release planned for Thursday is postponed to Monday because the payment provider changed their "
     "API. QA needs two more days. Marketing: please move the announcement. -- {p}"),
    ("Dear customer,\nYour flight {flight} from {city} has been rescheduled. New departure: {date} 14:55. If this "
     "does not suit you, you may rebook free of charge or request a refund within 7 days.\n{c}"),
    ("Hey, loved meeting you at the conference! As discussed, I'm attaching our deck. Would you have 30 minutes "
     "next week for a demo? Tuesday or Wednesday afternoon works for me. Cheers, {p}"),
    ("Hallo {p},\nanbei die Rechnung Nr. {num} über 1.240,00 EUR für die Wartung im Mai. Zahlbar innerhalb von 14 "
     "Tagen. Mit freundlichen Grüßen\n{c}"),
    ("Bonjour,\nSuite à notre échange, je vous confirme la livraison de 40 chaises le {date} à notre entrepôt de "
     "{city}. Merci de prévoir un quai de déchargement.\nCordialement, {p}"),
]

ARTICLE_TOPICS = {
    "remote work": [
        "A two-year study of 3,000 employees found that hybrid schedules reduced attrition by a third.",
        "Managers reported no drop in performance ratings for staff working from home two days a week.",
        "Junior employees, however, said they received less mentoring and feedback.",
        "Companies are experimenting with 'anchor days' when whole teams come to the office.",
        "Commuting time saved averaged 72 minutes per day, much of it reinvested in work or family.",
        "Critics argue the study over-represents tech workers whose jobs are easy to do remotely.",
        "Office landlords in big cities face vacancy rates not seen since the 1990s.",
        "Some firms now tie promotions to office attendance, a policy that unions contest.",
    ],
    "battery technology": [
        "Sodium-ion batteries are moving from labs into cheap city cars.",
        "They avoid lithium and cobalt, whose prices swung wildly in recent years.",
        "Energy density is still about 30% lower than the best lithium cells.",
        "Cold-weather performance is better, which matters for northern markets.",
        "Two large manufacturers announced factories with a combined 40 GWh capacity.",
        "Analysts expect sodium-ion to take a share of stationary grid storage first.",
        "Recycling chains for the new chemistry do not exist yet.",
        "Automakers remain cautious until long-term degradation data is available.",
    ],
    "city cycling": [
        "The city council approved 45 km of protected bike lanes over four years.",
        "Cycling trips doubled on streets where lanes were built during the pilot.",
        "Shop owners feared losing parking, but footfall data showed sales rose slightly.",
        "Accidents involving cyclists fell 18% on redesigned junctions.",
        "The budget of 62 million euros is partly funded by a national climate programme.",
        "Opposition parties called for a referendum, arguing consultation was too short.",
        "Bike theft remains the most cited reason people do not cycle.",
        "Secure parking hubs will be built near the five busiest stations.",
    ],
    "sleep research": [
        "Researchers tracked 900 teenagers' sleep with wearables for a school year.",
        "Students who slept under seven hours scored lower in maths but not in languages.",
        "Delaying school start by 45 minutes added 34 minutes of sleep on average.",
        "Screen use after 10 pm was the strongest predictor of short sleep.",
        "The authors caution that the study shows correlation, not causation.",
        "Parents reported better mood at breakfast after the later start time.",
        "Bus schedules and sports practice were the main obstacles schools cited.",
        "A follow-up trial in 40 schools starts next autumn.",
    ],
    "quarterly results": [
        "Revenue rose 12% year on year to 4.1 billion, beating analyst estimates.",
        "Operating margin narrowed to 14% because of higher logistics costs.",
        "The cloud division grew 31% and is now a quarter of total sales.",
        "Hardware sales fell for the third quarter in a row.",
        "The company raised its full-year guidance and announced a 2 billion buyback.",
        "Headcount was reduced by 4% in a restructuring completed in June.",
        "Currency effects cost about 90 million in the quarter.",
        "Shares rose 6% in after-hours trading.",
    ],
    "drought and agriculture": [
        "Rainfall this spring was 40% below the 30-year average.",
        "Wheat yields are forecast to drop by up to a fifth in the south.",
        "Farmers are switching to sorghum and other drought-tolerant crops.",
        "Water authorities limited irrigation to three days a week.",
        "Food prices are expected to rise modestly by the end of the year.",
        "The government announced emergency loans for affected farms.",
        "Scientists link the pattern to a persistent high-pressure system.",
        "Groundwater levels in some regions are the lowest on record.",
    ],
}

MEETING_LINES = [
    "we agreed to move the launch to the 12th", "budget for ads is capped at 20k for Q3",
    "{p} will own the vendor negotiation", "legal still needs to review the new terms",
    "churn went up 2 points last month, mostly small accounts", "the onboarding flow has too many steps",
    "design will share mockups by Friday", "we need a decision on the pricing tiers before the board meeting",
    "support tickets about login doubled after the SSO change", "let's schedule a follow-up next Tuesday",
    "the hiring freeze doesn't apply to engineering", "data team found duplicate events in the tracking",
    "customer X threatened to leave if the export bug isn't fixed", "we'll pilot the new process with two teams",
    "the warehouse move is delayed by three weeks", "marketing wants a case study from a healthcare client",
    "I think we should drop the free tier", "nobody has looked at the security questionnaire yet",
    "the API deprecation email goes out Monday", "we're over budget on cloud costs by 15%",
]

CONTRACT_CLAUSES = [
    "1. Term. This Agreement commences on the Effective Date and continues for twenty-four (24) months.",
    "2. Fees. Customer shall pay the Fees set out in Schedule A within thirty (30) days of invoice.",
    "3. Late payment. Overdue amounts bear interest at 1.5% per month.",
    "4. Confidentiality. Each party shall protect the other's Confidential Information with reasonable care.",
    "5. Liability. Neither party's aggregate liability shall exceed the Fees paid in the twelve months preceding the claim.",
    "6. Termination. Either party may terminate for material breach not cured within 30 days of notice.",
    "7. Governing law. This Agreement is governed by the laws of England and Wales.",
    "8. Data protection. Supplier shall process personal data only on documented instructions of Customer.",
    "9. Service levels. Supplier shall ensure 99.9% monthly availability; service credits apply below that.",
    "10. Assignment. Neither party may assign this Agreement without prior written consent.",
    "11. Notices. Notices shall be sent to the addresses in the signature block by registered mail.",
    "12. Renewal. The Agreement renews automatically for 12-month periods unless notice is given 90 days before expiry.",
]

CODE_SNIPPETS = [
    ("python", "def average(xs):\n    return sum(xs) / len(xs)\n\nprint(average([]))"),
    ("python", "import requests\n\nfor url in urls:\n    r = requests.get(url)\n    data.append(r.json())"),
    ("python", "class Cache:\n    def __init__(self):\n        self.store = {}\n    def get(self, k):\n        return self.store[k]"),
    ("javascript", "const res = await fetch('/api/users');\nconst users = res.json();\nconsole.log(users.length);"),
    ("javascript", "for (var i = 0; i < 5; i++) {\n  setTimeout(() => console.log(i), 100);\n}"),
    ("typescript", "function parse(input: string): number {\n  return parseInt(input);\n}\nconst n: number = parse(undefined as any);"),
    ("sql", "SELECT customer_id, SUM(amount)\nFROM orders\nWHERE created_at > now() - interval '30 days'"),
    ("sql", "SELECT * FROM users u JOIN orders o ON u.id = o.user_id WHERE o.status = 'paid' ORDER BY o.created_at"),
    ("go", "func handler(w http.ResponseWriter, r *http.Request) {\n    body, _ := io.ReadAll(r.Body)\n    json.Unmarshal(body, &req)\n}"),
    ("rust", "fn main() {\n    let v = vec![1, 2, 3];\n    let first = &v[0];\n    v.push(4);\n    println!(\"{}\", first);\n}"),
    ("java", "public int total(List<Item> items) {\n    int t = 0;\n    for (Item i : items) t += i.getPrice();\n    return t;\n}"),
    ("bash", "for f in *.csv; do\n  cat $f | grep -v header >> all.csv\ndone"),
    ("yaml", "apiVersion: apps/v1\nkind: Deployment\nspec:\n  replicas: 3\n  template:\n    spec:\n      containers:\n      - name: web\n        image: web:latest"),
    ("csharp", "public async Task<User> Get(int id) {\n    var user = _db.Users.Find(id);\n    return user;\n}"),
    ("php", "<?php\n$id = $_GET['id'];\n$result = mysqli_query($conn, \"SELECT * FROM users WHERE id = $id\");"),
    ("kotlin", "fun greet(name: String?) = \"Hello, \" + name!!.uppercase()"),
    ("css", ".card {\n  display: flex;\n  justify-content: center;\n}\n.card img { width: 100%; }"),
    ("dockerfile", "FROM python:3.12\nCOPY . /app\nRUN pip install -r requirements.txt\nCMD python app.py"),
]
ERRORS = [
    "Traceback (most recent call last):\n  File \"app.py\", line 12, in <module>\n    main()\n  File \"app.py\", line 8, in main\n    total = price * qty\nTypeError: can't multiply sequence by non-int of type 'float'",
    "ZeroDivisionError: division by zero",
    "TypeError: Cannot read properties of undefined (reading 'map')\n    at UserList (UserList.jsx:14:22)",
    "java.lang.NullPointerException\n\tat com.acme.billing.InvoiceService.total(InvoiceService.java:88)\n\tat com.acme.billing.Job.run(Job.java:31)",
    "error[E0502]: cannot borrow `v` as mutable because it is also borrowed as immutable",
    "ERROR: column \"total\" must appear in the GROUP BY clause or be used in an aggregate function",
    "ModuleNotFoundError: No module named 'pandas'",
    "panic: runtime error: invalid memory address or nil pointer dereference",
    "fatal: refusing to merge unrelated histories",
    "CrashLoopBackOff: back-off 5m0s restarting failed container",
    "Uncaught SyntaxError: Unexpected token '<' (at main.js:1:1)",
    "KeyError: 'user_id'",
]

FACT_QUESTIONS = [
    "What is the capital of Australia?", "Who wrote One Hundred Years of Solitude?", "When did the Berlin Wall fall?",
    "How many bones are in the adult human body?", "What does HTTP stand for?", "Which planet has the most moons?",
    "What is the boiling point of water at sea level in Celsius?", "Who discovered penicillin?",
    "What's the longest river in Europe?", "Is a tomato a fruit or a vegetable?", "what language is spoken in Brazil",
    "who is the current secretary-general of the UN", "What year did the first iPhone come out?",
    "How far is the Moon from Earth?", "what causes the northern lights", "What is the population of Canada?",
    "Which element has the atomic number 6?", "Why is the sky blue?", "What is a Roth IRA?",
    "where is the Great Barrier Reef", "what is the difference between a virus and a bacterium",
    "Who painted The Starry Night?", "How long is a marathon?", "What currency does Switzerland use?",
    "what's the tallest building in the world", "What is photosynthesis?", "when was the euro introduced",
    "what does a notary do", "How many time zones does Russia have?", "What is the speed of sound?",
    "who invented the World Wide Web", "What's the main ingredient in hummus?", "what is the GDPR",
    "Which ocean is the largest?", "how many players on a rugby union team", "What is the chemical formula for table salt?",
    "What does an anaesthesiologist do?", "is coffee bad for your heart", "when does daylight saving time end in the US",
    "what does ETF mean", "Who was the first woman to win a Nobel Prize?", "What is the smallest country in the world?",
    "Quelle est la capitale du Canada ?", "Qui a écrit Les Misérables ?", "Wie hoch ist die Zugspitze?",
    "Wer hat die Relativitätstheorie entwickelt?", "¿Cuál es el río más largo de América del Sur?",
    "¿Quién pintó Las Meninas?", "Qual é a capital da Austrália?", "Quem descobriu o Brasil?",
    "日本で一番高い山は何ですか？", "富士山の高さは？", "Qual è la montagna più alta d'Italia?",
    "what is the half-life of carbon-14", "how does a heat pump work", "what is a leap second",
    "which vitamins are fat soluble", "what is the statute of limitations", "who founded Wikipedia",
    "what's the difference between weather and climate", "define inflation", "what is kombucha",
]

KB_ARTICLES = [
    ("Returns", "Items can be returned within 30 days of delivery if unused. Sale items are final. Refunds go to the original payment method within 5-7 business days."),
    ("Shipping", "Standard shipping takes 3-5 business days within the EU. Express (1-2 days) costs EUR 9.90. We do not ship to PO boxes."),
    ("Warranty", "All electronics have a 2-year warranty covering manufacturing defects. Water damage and drops are not covered."),
    ("Parental leave", "Employees with 6+ months of service get 16 weeks of paid parental leave, which can be split into two blocks."),
    ("Expenses", "Meals while travelling are reimbursed up to EUR 45 per day. Receipts must be uploaded within 30 days."),
    ("API limits", "The free plan allows 60 requests per minute; Pro allows 600. Bursts above the limit return HTTP 429 with a Retry-After header."),
    ("Security", "Passwords must be at least 12 characters. SSO via SAML is available on the Enterprise plan. Sessions expire after 12 hours."),
    ("Data retention", "Logs are kept for 90 days on Pro and 1 year on Enterprise. Deleted projects are purged after 30 days."),
    ("Pets", "Dogs under 8 kg may travel in the cabin in an approved carrier for EUR 60 per flight. Larger dogs travel in the hold."),
    ("Gym membership", "Memberships can be frozen for up to 3 months per year for a fee of EUR 5 per month. Cancellation requires one month's notice."),
    ("Insurance claims", "Claims must be filed within 60 days of the incident with photos and a police report for theft. Deductible: EUR 150."),
    ("Onboarding", "New hires receive their laptop on day one. Accounts for email, Slack and Jira are created by IT two days before start."),
]
KB_QUESTIONS = {
    "Returns": ["can I return something I bought on sale?", "how long until I get my refund", "Return window?"],
    "Shipping": ["do you ship to PO boxes", "how much is express?", "how long does standard delivery take in Germany"],
    "Warranty": ["my headphones fell in the sink, is that covered?", "how long is the warranty"],
    "Parental leave": ["I joined 4 months ago, do I get parental leave?", "can I split my leave?"],
    "Expenses": ["what's the daily meal limit when travelling", "deadline for uploading receipts?"],
    "API limits": ["what happens if I exceed the rate limit", "what is the limit on Pro"],
    "Security": ["do you support SAML?", "minimum password length?"],
    "Data retention": ["how long do you keep logs on pro", "can I recover a deleted project after 2 months"],
    "Pets": ["can my 12kg dog fly in the cabin", "price for a small dog in cabin"],
    "Gym membership": ["how long can I freeze my membership", "notice period to cancel?"],
    "Insurance claims": ["how long do I have to file a claim", "what's the deductible"],
    "Onboarding": ["when do I get my laptop", "when will my slack account be ready"],
}

TRANSLATION_SOURCES = {
    "en": ["The meeting has been moved to Thursday at 3 pm.", "Please keep your ticket until the end of the journey.",
           "Our office will be closed on public holidays.", "Thank you for your patience while we investigate.",
           "Click the button below to confirm your email address.", "The battery should be charged fully before first use.",
           "Free shipping on orders over 50 euros.", "Your order has been shipped and will arrive in 2-3 days.",
           "We are sorry, this item is out of stock.", "Do not leave bags unattended.",
           "The password must contain at least one number.", "Breakfast is served from 7 to 10 am.",
           "I look forward to working with you.", "Please find the signed contract attached.",
           "Mind the gap between the train and the platform.", "Your subscription will renew automatically."],
    "de": ["Vielen Dank für Ihre Bestellung.", "Der Zug fällt heute leider aus.", "Bitte schließen Sie die Tür hinter sich.",
           "Wir melden uns innerhalb von zwei Werktagen.", "Das Meeting wurde auf Montag verschoben.",
           "Die Rechnung ist innerhalb von 14 Tagen zu zahlen."],
    "fr": ["Merci de votre patience.", "Le magasin ouvre à neuf heures.", "Votre commande a été expédiée.",
           "Nous sommes désolés pour ce désagrément.", "La réunion est annulée.", "Veuillez trouver ci-joint le devis."],
    "es": ["Gracias por su compra.", "El vuelo está retrasado dos horas.", "¿Dónde está la estación de tren?",
           "Le enviaremos la factura por correo electrónico.", "La oficina está cerrada los domingos."],
    "pt": ["Obrigado pelo contato.", "O pagamento foi confirmado.", "A entrega será feita amanhã de manhã.",
           "Não foi possível processar o seu pedido."],
    "ja": ["ご注文ありがとうございます。", "会議は明日の午後三時に変更になりました。", "この商品は現在在庫切れです。",
           "お問い合わせいただきありがとうございます。"],
    "it": ["Il negozio è chiuso per ferie.", "Grazie per la sua pazienza.", "La riunione è stata rinviata."],
    "nl": ["Bedankt voor je bestelling.", "De trein heeft vertraging."],
    "zh": ["欢迎光临我们的商店。", "您的订单已发货。"],
    "ko": ["주문해 주셔서 감사합니다.", "회의가 내일로 변경되었습니다."],
}
LANG_NAMES = {"en": "English", "de": "German", "fr": "French", "es": "Spanish", "pt": "Portuguese", "ja": "Japanese",
              "it": "Italian", "nl": "Dutch", "zh": "Chinese", "ko": "Korean", "pl": "Polish", "sv": "Swedish",
              "tr": "Turkish", "ar": "Arabic", "ru": "Russian", "uk": "Ukrainian"}
LOCALES = {"de": "de-DE", "fr": "fr-FR", "es": "es-MX", "pt": "pt-BR", "ja": "ja-JP", "it": "it-IT", "nl": "nl-NL",
           "en": "en-US", "zh": "zh-CN", "ko": "ko-KR", "pl": "pl-PL", "sv": "sv-SE", "tr": "tr-TR"}


def article(topic: str | None = None, n: int | None = None) -> tuple[str, str]:
    topic = topic or pick(list(ARTICLE_TOPICS))
    sents = ARTICLE_TOPICS[topic][:]
    R.shuffle(sents)
    k = n or R.randint(4, 8)
    body = " ".join(sents[:k])
    if k >= 6 and chance(0.5):
        body = " ".join(sents[: k // 2]) + "\n\n" + " ".join(sents[k // 2: k])
    return topic, body


def long_doc(min_chars: int) -> str:
    """A long pasted document: several articles and meeting fragments glued together."""
    parts = []
    while sum(len(p) for p in parts) < min_chars:
        _, body = article(n=8)
        parts.append(body)
    return "\n\n".join(parts)


def transcript(n: int) -> str:
    speakers = sample(PEOPLE, R.randint(2, 4))
    lines = []
    for _ in range(n):
        who = pick(speakers).split()[0]
        lines.append(f"{who}: " + pick(MEETING_LINES).format(p=pick(PEOPLE).split()[0]))
    return "\n".join(lines)


def email() -> str:
    return pick(EMAILS).format(p=pick(PEOPLE), prod=pick(PRODUCTS), num=R.randint(10000, 99999),
                               date=f"{R.randint(1, 28)} {pick(['March', 'April', 'May', 'June', 'July'])}",
                               c=pick(COMPANIES), city=pick(CITIES), flight=f"{pick(['LH', 'BA', 'AF', 'IB'])}{R.randint(100, 4999)}")


def invoice_text() -> str:
    items = sample(PRODUCTS, R.randint(1, 4))
    lines = [f"{pick(['INVOICE', 'Invoice', 'RECHNUNG', 'FACTURE', 'Tax invoice'])} #{pick(['INV', 'F', 'RE'])}-{R.randint(1000, 99999)}",
             f"{pick(COMPANIES)}, {R.randint(1, 200)} {pick(['High St', 'Main Street', 'Hauptstraße', 'Rue de la Paix'])}, {pick(CITIES)}",
             f"Date: {R.randint(1, 28):02d}/{R.randint(1, 12):02d}/2024   Due: {R.randint(1, 28):02d}/{R.randint(1, 12):02d}/2024",
             f"Bill to: {pick(PEOPLE)}"]
    total = 0.0
    for it in items:
        q, p = R.randint(1, 5), round(R.uniform(9, 600), 2)
        total += q * p
        lines.append(f"{q} x {it} @ {p:.2f}")
    lines.append(f"VAT {pick([19, 20, 21, 7])}%   TOTAL {pick(['EUR', 'USD', 'GBP', '€', '$'])} {total * 1.2:.2f}")
    return "\n".join(lines)


def resume_text() -> str:
    p = pick(PEOPLE)
    return (f"{p}\n{pick(CITIES)} | {p.split()[0].lower()}@mail.com | +44 7{R.randint(100000000, 999999999)}\n"
            f"EXPERIENCE\n{pick(['Senior Data Analyst', 'Product Manager', 'Backend Engineer', 'Nurse', 'Accountant'])}, "
            f"{pick(COMPANIES)} ({R.randint(2015, 2020)}-present)\n- led {pick(['migration', 'rollout', 'audit', 'redesign'])} "
            f"of {pick(['billing', 'CRM', 'data warehouse', 'ward rota'])}\n"
            f"{pick(['Analyst', 'Associate', 'Junior Developer'])}, {pick(COMPANIES)} ({R.randint(2010, 2014)}-{R.randint(2015, 2019)})\n"
            f"EDUCATION\n{pick(['BSc Computer Science', 'MA Economics', 'BA History', 'MSc Statistics'])}, "
            f"{pick(['University of Leeds', 'TU München', 'Sorbonne', 'UCLA'])}\nSKILLS: {', '.join(sample(['SQL', 'Python', 'Excel', 'Tableau', 'Jira', 'German', 'Spanish', 'AWS', 'Figma'], 4))}")


def product_record() -> str:
    prod = pick(PRODUCTS)
    return (f"{pick(COMPANIES)} {prod.title()} - {pick(['black', 'white', 'sage green', 'navy'])} - "
            f"{R.randint(1, 15)}.{R.randint(0, 9)} kg - {pick(['2-year warranty', 'ships in 24h', 'free returns'])} - "
            f"{pick(['€', '$', '£'])}{R.randint(19, 899)}.{pick(['00', '99', '49'])} - SKU {pick('ABCDEFG')}{R.randint(10000, 99999)}")


def pct(a: int, b: int) -> str:
    return f"{a}%"


# ----------------------------------------------------------------------------------------------
# example construction
# ----------------------------------------------------------------------------------------------

OUT: list[dict] = []


def add(task: str, cx: str, user: str | None = None, system: str | None = None, messages: list | None = None,
        out: int | None = None, **kw) -> None:  # type: ignore[no-untyped-def]
    ex: dict = {}
    if system:
        ex["system"] = system
    if messages:
        ex["messages"] = messages
    else:
        ex["user"] = user
    ex["task"] = task
    ex["complexity"] = cx
    if out is not None:
        ex["output_tokens"] = out
    ex.update({k: v for k, v in kw.items() if v})
    # Template family = the generator and the call site that composed it; `dev_split.py` holds whole
    # families out, so the dev figure measures generalisation to unseen templates.
    caller = sys._getframe(1)
    ex["family"] = f"{caller.f_code.co_name}:{caller.f_lineno - caller.f_code.co_firstlineno}"  # stable across edits elsewhere
    OUT.append(ex)


def history(last_user: str, turns: int | None = None, topic_chat: bool = False) -> list[dict]:
    """A short multi-turn history ending with the real request (apps resend the whole thread)."""
    openers = [("hi", "Hi! How can I help you today?"), ("hello there", "Hello! What can I do for you?"),
               ("I have a few things for you", "Sure, go ahead."), ("can you help me with something for work?", "Of course. What do you need?"),
               ("thanks for the last answer", "You're welcome! Anything else?"), ("ok next one", "Ready when you are."),
               ("Bonjour", "Bonjour ! Comment puis-je vous aider ?"), ("Hallo", "Hallo! Wie kann ich helfen?")]
    msgs: list[dict] = []
    for _ in range(turns if turns is not None else R.randint(1, 2)):
        u, a = pick(openers)
        msgs += [{"role": "user", "content": u}, {"role": "assistant", "content": a}]
    msgs.append({"role": "user", "content": last_user})
    return msgs


def maybe_history(user: str, p: float = 0.12) -> dict:
    if chance(p):
        return {"messages": history(user)}
    return {"user": user}


def tools(n: int) -> int:
    return n


# ----------------------------------------------------------------------------------------------
# classification
# ----------------------------------------------------------------------------------------------

LABEL_SETS = [
    ("department", ["billing", "technical", "sales", "account", "shipping", "other"]),
    ("category", ["bug", "feature_request", "question", "complaint", "praise"]),
    ("priority", ["P1", "P2", "P3", "P4"]),
    ("urgency", ["low", "medium", "high", "critical"]),
    ("intent", ["cancel_subscription", "refund_request", "change_plan", "login_issue", "delivery_status", "general_question"]),
    ("sentiment", ["positive", "negative", "neutral"]),
    ("sentiment", ["POSITIVE", "NEGATIVE", "NEUTRAL", "MIXED"]),
    ("topic", ["pricing", "performance", "usability", "reliability", "support", "other"]),
    ("queue", ["tier1", "tier2", "fraud", "legal", "billing"]),
    ("team", ["payments", "identity", "mobile", "platform", "data"]),
    ("emotion", ["joy", "anger", "sadness", "fear", "surprise", "neutral"]),
    ("risk", ["low", "medium", "high"]),
    ("language", ["en", "de", "fr", "es", "pt", "ja", "other"]),
    ("toxicity", ["safe", "borderline", "toxic"]),
    ("type", ["invoice", "receipt", "contract", "resume", "letter", "other"]),
]
CLASSIFIER_ROLES = ["ticket router", "support triage assistant", "intent classifier", "content moderator",
                    "sentiment analyzer", "email sorter", "feedback tagger", "review classifier", "lead scorer",
                    "document type detector", "spam filter", "topic labeller", "priority assessor",
                    "escalation detector", "compliance screener", "NLU engine for a voice assistant"]


def _labels_fmt(labels: list[str]) -> str:
    style = R.randrange(6)
    if style == 0:
        return ", ".join(labels)
    if style == 1:
        return " | ".join(labels)
    if style == 2:
        return "\n" + "\n".join(f"- {x}" for x in labels)
    if style == 3:
        return "[" + ", ".join(f'"{x}"' for x in labels) + "]"
    if style == 4:
        return " / ".join(labels)
    return "\n" + "\n".join(f"{i + 1}. {x}" for i, x in enumerate(labels))


def gen_classification() -> None:
    dim, labels = pick(LABEL_SETS)
    item = pick(TICKETS + REVIEWS) if dim not in ("type",) else pick([invoice_text(), resume_text(), email()])
    lf = _labels_fmt(labels)
    role = pick(CLASSIFIER_ROLES)
    kind = R.randrange(22)
    fmt = None
    out = R.randint(1, 4)
    cx = "simple"
    if kind == 0:
        system = f"You are a {role}. Output exactly one of: {lf}"
        add("classification", cx, user=item, system=system, out=out)
    elif kind == 1:
        system = f"You are a {role} for {pick(COMPANIES)}. Read the customer message and return the {dim}.\nAllowed values: {lf}\nRespond with the value only, no explanation."
        add("classification", cx, user=item, system=system, out=out)
    elif kind == 2:
        system = (f"Assign a {dim} to each incoming message. Return JSON: {{\"{dim}\": <one of {', '.join(labels)}>, "
                  f"\"confidence\": <0-1>}}")
        add("classification", cx, user=item, system=system, out=R.randint(10, 25), response_format=pick(["json_object", "json_schema"]))
    elif kind == 3:
        user = joiner(casual(f"which {dim} is this? options: {', '.join(labels)}"), item)
        add("classification", cx, **maybe_history(user), out=out)
    elif kind == 4:
        user = joiner(casual(pick([f"{' or '.join(labels[:3])}?", f"is this {labels[0]} or {labels[1]}?",
                                    f"{labels[0]}, {labels[1]} or {labels[2]}? just the word"])), item)
        add("classification", cx, **maybe_history(user), out=out)
    elif kind == 5:
        q = pick(["Is this email spam?", "Does this message contain a complaint?", "Is the customer asking for a refund?",
                  "Is this review fake?", "Is the user angry?", "Does this ticket need a human agent?",
                  "Is this comment appropriate for a children's platform?", "Is this a phishing attempt?",
                  "Does the text mention a competitor?", "Is this a question?"])
        tail = pick([" Answer yes or no.", " Reply with YES or NO only.", " true/false", " (y/n)", " Answer with 1 for yes, 0 for no.", ""])
        user = joiner(q + tail, item)
        add("classification", cx, **maybe_history(user), out=1)
    elif kind == 6:
        batch = sample(TICKETS + REVIEWS, R.randint(3, 8))
        listing = "\n".join(f"{i + 1}. {b}" for i, b in enumerate(batch))
        system = pick([f"Label each line with its {dim} ({', '.join(labels)}). Output one label per line, same order.",
                       f"For every message below return the {dim}. Valid: {lf}",
                       f"Batch tagging job. Categories: {', '.join(labels)}. Return a JSON array of labels in input order."])
        add("classification", "moderate" if len(batch) > 5 else pick(["simple", "moderate"]), user=listing, system=system,
            out=8 * len(batch), response_format=pick([None, None, "json_object"]))
    elif kind == 7:
        system = pick(["Sentiment analysis. Reply with a score from 1 (very negative) to 5 (very positive). Number only.",
                       "Rate the customer's satisfaction on a 1-10 scale. Output the integer only.",
                       "Rate how urgent this is from 0 to 3. Reply with a single digit.",
                       "Score the lead quality: hot, warm or cold. Nothing else."])
        add("classification", cx, user=item, system=system, out=1)
    elif kind == 8:
        user = casual(pick([f"categorize this feedback: {item}", f"tag this: {item}", f"what's the sentiment here: {item}",
                            f"bucket this into one of {', '.join(labels)}: {item}", f"{dim}? {item}",
                            f"sort this into the right bucket ({'/'.join(labels)}) - {item}",
                            f"classify: {item}", f"label -> {item}"]))
        add("classification", cx, **maybe_history(user), out=out)
    elif kind == 9:
        schema = {"type": "object", "properties": {dim: {"type": "string", "enum": labels}, "reason": {"type": "string"}},
                  "required": [dim]}
        system = pick([f"Route the ticket. Respond using this JSON schema: {json.dumps(schema)}",
                       f"You decide which {dim} a message belongs to. JSON schema: {json.dumps(schema)}"])
        add("classification", cx, user=item, system=system, out=R.randint(15, 40), response_format="json_schema")
    elif kind == 10:
        system = pick(["Du bist ein Ticket-Router. Antworte nur mit einer Kategorie: Abrechnung, Technik, Vertrieb, Sonstiges.",
                       "Klassifiziere die Stimmung der Bewertung: positiv, negativ oder neutral. Nur ein Wort.",
                       "Tu es un classificateur d'intentions. Réponds uniquement par l'une des étiquettes : annulation, remboursement, livraison, autre.",
                       "Classe ce message dans une catégorie : facturation, technique, commercial. Réponds par un seul mot.",
                       "Eres un clasificador de tickets. Responde solo con una de estas categorías: facturación, soporte técnico, ventas, otros.",
                       "Clasifica el sentimiento del comentario como positivo, negativo o neutral.",
                       "Você é um classificador de intenção. Responda apenas com: cancelamento, reembolso, entrega, outro.",
                       "次の問い合わせを分類してください。カテゴリ：請求、技術、配送、その他。カテゴリ名のみを出力。",
                       "Classifica il sentimento: positivo, negativo, neutro. Rispondi con una parola."])
        add("classification", cx, user=item, system=system, out=out)
    elif kind == 11:
        user = pick([f"Ist diese Bewertung positiv oder negativ? {item}", f"Welche Abteilung ist zuständig? {item}",
                     f"Ce message est-il une réclamation ? Réponds oui ou non. {item}", f"catégorie de ce ticket ({'/'.join(labels)}) : {item}",
                     f"¿Es este correo spam? Responde sí o no: {item}", f"¿Qué prioridad tiene este ticket: alta, media o baja? {item}",
                     f"Essa avaliação é positiva ou negativa? {item}", f"このレビューはポジティブ？ネガティブ？ {item}"])
        add("classification", cx, user=casual(user), out=out)
    elif kind == 12:
        system = (f"You are {pick(['Sorter', 'RouteBot', 'the triage layer', 'an NLU component'])} in a {pick(['helpdesk', 'voice assistant', 'CRM', 'email client'])} pipeline.\n"
                  f"Task: map the utterance to an intent.\nIntents:{_labels_fmt(LABEL_SETS[4][1])}\n"
                  "If none fits, use general_question. Return only the intent name.")
        add("classification", cx, user=casual(pick(["i wanna stop paying for this", "where's my parcel??", "cant log in again",
                                                     "switch me to the yearly plan", "money back please", "what are your opening hours",
                                                     "turn off auto renew", "my order hasn't moved since monday",
                                                     "reset my 2fa", "do you have a cheaper plan"])), system=system, out=3)
    elif kind == 13:
        doc = pick([invoice_text(), resume_text(), email(), "\n".join(sample(CONTRACT_CLAUSES, 4))])
        system = pick(["Document intake: identify the document type. One of: invoice, receipt, contract, resume, letter, other.",
                       "What kind of document is this? Return the type label only (invoice|contract|resume|email|other)."])
        add("classification", cx, user=doc, system=system, out=2)
    elif kind == 14:
        system = ("You are a content moderation model. Policy categories: hate, harassment, self_harm, sexual, violence, "
                  "spam, none. Return JSON {\"flagged\": bool, \"categories\": [..]}.")
        msg = pick(["you're all idiots and should be fired", "buy cheap followers at www.getfollowers.biz!!!",
                    "I disagree with this policy but respect the decision", "great match yesterday, well played",
                    "click here to claim your prize", "I will find where you live", "lovely photo of your garden"])
        add("classification", cx, user=msg, system=system, out=15, response_format="json_object")
    elif kind == 15:
        cats = sample(["Politics", "Sports", "Technology", "Business", "Health", "Science", "Entertainment", "World"], 5)
        _, body = article()
        user = joiner(pick([f"Assign this article to a section: {', '.join(cats)}",
                            f"Which news section does this belong in? ({'/'.join(cats)})",
                            f"Topic of the following article? Pick from {cats}"]), body)
        add("classification", cx, **maybe_history(user), out=2)
    elif kind == 16:
        system = (f"You are a {role}. Multi-label: return every applicable tag from {lf}\nas a JSON list. "
                  "Also give a severity 1-5 and a one-line rationale.")
        add("classification", "moderate", user=item, system=system, out=R.randint(30, 60), response_format=pick([None, "json_object"]))
    elif kind == 17:
        criteria = sample(["mentions a deadline", "mentions money", "is from an existing customer", "contains a threat to churn",
                           "requests a call", "asks about GDPR", "mentions a competitor", "is written in anger"], R.randint(4, 6))
        system = (f"You screen inbound emails for the account team of {pick(COMPANIES)}.\n"
                  + "\n".join(f"- flag `{c.replace(' ', '_')}` if it {c}" for c in criteria)
                  + "\nThen decide escalate: yes|no. Return JSON with a boolean per flag and escalate.")
        add("classification", "moderate", user=email(), system=system, out=R.randint(40, 80), response_format="json_object")
    elif kind == 18:
        # complex policy-driven classification with a long policy in the prompt
        policy = "\n".join(f"{i + 1}. {c}" for i, c in enumerate(sample(CONTRACT_CLAUSES, 8)))
        system = (f"You are a compliance screener. Using the policy below, classify the clause as compliant, "
                  f"needs_review or non_compliant, cite the policy items violated, and justify.\nPOLICY:\n{policy}")
        add("classification", "complex" if chance(0.5) else "moderate", user=pick(CONTRACT_CLAUSES), system=system, out=R.randint(80, 200))
    elif kind == 19:
        user = casual(pick([f"is this positive or negative: {pick(REVIEWS)}", f"good or bad review? {pick(REVIEWS)}",
                            f"{pick(REVIEWS)}\n\n^ happy or unhappy customer?", f"rate the tone of this (friendly/neutral/hostile): {pick(TICKETS)}",
                            f"does this sound like a bug report or a feature request: {pick(TICKETS)}",
                            f"what language is this: {pick(TICKETS)}", f"formal or informal? {pick(TICKETS)}"]))
        add("classification", cx, **maybe_history(user), out=2)
    elif kind == 20:
        system = f"Categorise transactions for a budgeting app. Categories: groceries, transport, dining, rent, utilities, entertainment, health, other. One word."
        tx = pick(["TESCO STORES 3341 £23.10", "UBER *TRIP HELP.UBER.COM 14.20", "NETFLIX.COM 15.99", "SHELL 0291 FUEL 61.00",
                   "DM DROGERIE 8.45", "EDEKA MARKT 45,12", "SPOTIFY P1A2B3 9.99", "AMZN MKTP DE 31.40", "PHARMACY RX 12.50"])
        add("classification", cx, user=tx, system=system, out=1)
    else:
        system = f"Return the {dim} of the text. Possible labels: {lf}\nIf unsure, return {labels[-1]}."
        user = item
        extra = {}
        if chance(0.3):
            extra["n_tools"] = 1
            system += "\nCall the `set_label` tool with your answer."
        add("classification", cx, user=user, system=system, out=out, **extra)


# ----------------------------------------------------------------------------------------------
# extraction
# ----------------------------------------------------------------------------------------------

FIELD_SETS = [
    ["invoice_number", "invoice_date", "due_date", "vendor_name", "total_amount", "currency", "vat_rate"],
    ["name", "email", "phone", "city", "current_title", "years_experience", "skills"],
    ["party_a", "party_b", "effective_date", "term_months", "governing_law", "liability_cap", "notice_period_days"],
    ["order_id", "product", "issue", "requested_action", "customer_name"],
    ["flight_number", "origin", "destination", "departure_date", "departure_time"],
    ["event_name", "date", "time", "location", "organizer"],
    ["product_name", "brand", "color", "weight_kg", "price", "currency", "sku"],
    ["patient_name", "date_of_birth", "medication", "dosage", "frequency"],
    ["company", "revenue", "growth_pct", "operating_margin", "guidance"],
    ["person", "organization", "location", "date"],
    ["action_item", "owner", "due_date"],
]


def _schema(fields: list[str]) -> str:
    style = R.randrange(5)
    if style == 0:
        return json.dumps({f: None for f in fields})
    if style == 1:
        return json.dumps({f: pick(["string", "number", "string|null", "YYYY-MM-DD"]) for f in fields}, indent=pick([None, 2]))
    if style == 2:
        return json.dumps({"type": "object", "properties": {f: {"type": pick(["string", "number", "integer"])} for f in fields},
                           "required": fields[:2]})
    if style == 3:
        return "\n".join(f"- {f}" for f in fields)
    return ", ".join(fields)


def _source_for(fields: list[str]) -> str:
    first = fields[0]
    if first == "invoice_number":
        return invoice_text()
    if first == "name":
        return resume_text()
    if first == "party_a":
        return f"SERVICES AGREEMENT between {pick(COMPANIES)} Ltd and {pick(COMPANIES)} Inc.\n" + "\n".join(sample(CONTRACT_CLAUSES, R.randint(5, 10)))
    if first in ("order_id", "flight_number", "event_name"):
        return email() if chance(0.6) else pick(TICKETS) + f" (order #{R.randint(10000, 99999)}, {pick(PEOPLE)})"
    if first == "product_name":
        return product_record()
    if first == "patient_name":
        return (f"Pt: {pick(PEOPLE)}, DOB {R.randint(1, 28)}.{R.randint(1, 12)}.{R.randint(1940, 2005)}. Rx: "
                f"{pick(['amoxicillin 500mg', 'ibuprofen 400 mg', 'metformin 850mg', 'atorvastatin 20mg'])} "
                f"{pick(['tid', 'bid', 'once daily', 'every 8h'])} x {R.randint(5, 30)} days. Review in 2 wks.")
    if first == "company":
        return f"{pick(COMPANIES)} - " + article("quarterly results")[1]
    if first == "action_item":
        return transcript(R.randint(6, 14))
    return article()[1]


EXTRACT_SYSTEMS = [
    "You are a data extraction engine. Read the document and fill the schema. Use null for missing values. Output JSON only.\nSchema: {s}",
    "You parse {doc}s into structured records. Fields: {s}\nDates as ISO 8601. Amounts as numbers without currency symbols.",
    "Your job: turn unstructured {doc} text into JSON matching {s}. Do not invent values.",
    "Information extraction. Return a JSON object with keys {s}. If a field is absent, set it to null.",
    "You are an OCR post-processor. The input is raw OCR text of a {doc}. Map it to: {s}",
    "Pull the following fields from the {doc}: {s}. Respond in JSON.",
    "Entity extraction service. Identify all entities of these types: {s}. Return a list of {{type, text, start}}.",
    "You are a CRM assistant that fills contact records from emails. Fields: {s}",
    "Extrahiere die folgenden Felder aus dem Dokument und gib JSON zurück: {s}",
    "Extrais les champs suivants du document et renvoie un JSON : {s}",
    "Extrae los siguientes campos del texto y devuelve JSON: {s}",
    "Extraia os campos a seguir e responda em JSON: {s}",
    "次の文書から以下の項目を抽出し、JSONで出力してください：{s}",
    "Fill in this template from the text below, leave blanks if unknown:\n{s}",
    "Convert the record into a row for our spreadsheet with columns {s}. Output CSV, header included.",
]
EXTRACT_USERS = [
    "get me the {f} from this", "what's the {f} here", "find the {f} and {g}", "pull {f}, {g} out of:",
    "I need the {f} from this {doc}", "grab every {f} mentioned", "list all the {f}s in the text",
    "which {f} does this mention?", "can you pick out the {f} and the {g}?", "{f} + {g} pls",
    "give me a table of {f} and {g}", "turn this into JSON with {f}, {g}", "copy out the {f}",
    "what {f} and {g} are in this {doc}?", "dump the {f} values as a list",
    "Extrahiere {f} und {g}:", "quel est le {f} dans ce document ?", "saca el {f} y el {g} de esto:",
    "qual é o {f} nesse texto?", "この文章から{f}を抜き出して",
]


def gen_extraction() -> None:
    fields = pick(FIELD_SETS)
    fields_used = fields[: R.randint(2, len(fields))]
    src = _source_for(fields)
    doc = pick(["invoice", "document", "email", "record", "message", "form", "contract", "note", "receipt", "text"])
    nf = len(fields_used)
    long = len(src) > 900
    kind = R.randrange(10)
    if kind <= 4:
        system = pick(EXTRACT_SYSTEMS).format(s=_schema(fields_used), doc=doc)
        fmt = pick(["json_schema", "json_object", None, None]) if "JSON" in system or "json" in system.lower() else None
        cx = "moderate" if nf >= 5 or long else "simple"
        if nf >= 7 and long and chance(0.5):
            cx = "complex"
        add("extraction", cx, user=src, system=system, out=R.randint(25, 20 + 15 * nf), response_format=fmt)
    elif kind <= 7:
        f, g = fields_used[0].replace("_", " "), fields_used[-1].replace("_", " ")
        instr = pick(EXTRACT_USERS).format(f=f, g=g, doc=doc)
        user = joiner(casual(instr), src if chance(0.6) else pick(TICKETS + [email()]))
        add("extraction", "simple" if len(user) < 700 else "moderate", **maybe_history(user), out=R.randint(8, 60))
    elif kind == 8:
        # function-calling style: tool schema is the output format
        system = (f"You have a function `save_record({', '.join(fields_used)})`. Call it with the values found in the user's "
                  f"{doc}. Never guess: omit unknown arguments.")
        add("extraction", "moderate" if nf > 4 else "simple", user=src, system=system, out=R.randint(30, 120), n_tools=1)
    else:
        # short entity pulls without any task word
        text = pick(TICKETS + REVIEWS + [email()])
        user = casual(pick([f"names and dates in: {text}", f"emails/phones? {text}", f"amounts mentioned -> {text}",
                            f"which products are mentioned: {text}", f"who, what, when: {text}",
                            f"{text}\n\nall the people + companies please", f"order numbers in this? {text}",
                            f"key: value pairs for: {product_record()}", f"{product_record()}\n-> json"]))
        add("extraction", "simple", **maybe_history(user), out=R.randint(8, 40))


# ----------------------------------------------------------------------------------------------
# summarization
# ----------------------------------------------------------------------------------------------

SUM_SYSTEMS = [
    "You write TL;DRs for a news app. {n} sentences max, neutral tone.",
    "Condense the user's document into {n} bullet points. Each bullet under 20 words.",
    "You are a meeting assistant. From the transcript produce: summary, decisions, action items (owner, due date), open questions.",
    "You are an executive assistant. Give the CEO the gist of this in {n} lines, then one line 'What you need to do'.",
    "Produce an abstract of the paper below for a conference programme (max 150 words).",
    "Create a digest of the following customer feedback: top themes with counts, representative quotes, suggested actions.",
    "Summarize support conversations for the CRM timeline. Format: Issue / Steps taken / Outcome / Follow-up.",
    "Read the changelog and write release highlights for end users (what changed for them, no internal jargon).",
    "Shorten the text to roughly a third of its length, keeping all numbers.",
    "Fasse den folgenden Text in {n} Stichpunkten zusammen.",
    "Résume le texte suivant en {n} phrases.",
    "Resume el siguiente documento en {n} puntos clave.",
    "Resuma o texto abaixo em {n} frases.",
    "以下の文章を{n}行で要約してください。",
    "You are a legal assistant. Brief the attached judgment: facts, issue, holding, reasoning, significance.",
    "Generate a one-paragraph synopsis suitable for a library catalogue.",
    "Write the 'previously on' recap for this thread so a new teammate can catch up.",
    "You are a research assistant: distil the key findings, limitations and open questions of the text.",
]
SUM_USERS = [
    "tl;dr", "tldr pls", "summarize this", "give me the gist", "what's this about?", "key points?", "sum up:",
    "can you boil this down to a few bullets", "I don't have time to read this, what does it say?",
    "short version please", "what are the main takeaways", "recap this for my boss", "in two sentences?",
    "what did they decide?", "what do I need to know from this", "make notes from this", "3 bullets",
    "explain the main idea briefly", "condense", "write a summary for slack", "what's the bottom line here",
    "one-line summary", "highlights?", "skim this for me", "any important points in this?",
    "zusammenfassung bitte", "kurz zusammengefasst?", "résumé stp", "en résumé ?", "resumen porfa", "resumo?",
    "要約して", "riassunto per favore",
]


def gen_summarization() -> None:
    kind = R.randrange(8)
    n = R.randint(2, 6)
    if kind in (0, 1, 2):
        src_kind = R.randrange(4)
        if src_kind == 0:
            src = article()[1]
        elif src_kind == 1:
            src = transcript(R.randint(8, 30))
        elif src_kind == 2:
            src = email()
        else:
            src = long_doc(R.choice([1500, 3000, 7000]))
        system = pick(SUM_SYSTEMS).format(n=n)
        cx = "simple" if len(src) < 600 else ("moderate" if len(src) < 6000 else "complex")
        if cx == "simple" and ("action items" in system or "Issue /" in system or "themes" in system):
            cx = "moderate"
        add("summarization", cx, user=src, system=system, out=R.randint(40, 400 if cx != "simple" else 120))
    elif kind in (3, 4, 5):
        src = pick([article()[1], transcript(R.randint(5, 20)), email(), article()[1] + "\n\n" + article()[1]])
        user = joiner(casual(pick(SUM_USERS)), src)
        cx = "simple" if len(src) < 700 else "moderate"
        add("summarization", cx, **maybe_history(user, 0.15), out=R.randint(30, 200))
    elif kind == 6:
        # thread/chat export summaries
        thread = "\n".join(f"[{R.randint(9, 18)}:{R.randint(10, 59)}] {pick(PEOPLE).split()[0]}: {pick(MEETING_LINES).format(p=pick(PEOPLE).split()[0])}"
                           for _ in range(R.randint(6, 25)))
        instr = pick(["Catch me up on this Slack thread", "what happened in this channel while I was out?",
                      "Summarise the discussion and list who owns what", "Recap of the #incident channel for the postmortem doc",
                      "make meeting minutes from this chat log"])
        add("summarization", "moderate", user=joiner(instr, thread), out=R.randint(80, 300))
    else:
        src = long_doc(R.choice([4000, 9000, 22000]))
        system = ("You summarise long reports for a board pack. Requirements:\n1. Max 400 words.\n2. Start with a 3-bullet "
                  "executive summary.\n3. Then sections: context, key figures, risks, recommendations.\n4. Never add facts not in "
                  "the source.\n5. Flag any inconsistencies you notice.")
        add("summarization", "complex", user=src, system=system, out=R.randint(400, 700))


# ----------------------------------------------------------------------------------------------
# translation
# ----------------------------------------------------------------------------------------------

TRANS_SYSTEMS = [
    "You are a professional translator. Translate the user's text into {tl}. Output only the translation.",
    "Translate from {sl} to {tl}. Preserve formatting, placeholders like {{name}} and HTML tags.",
    "You localise app UI strings into {loc}. Keep keys unchanged, translate values only, respect length limits.",
    "Render the following in {tl}, natural and idiomatic, not word-for-word.",
    "You translate customer messages into English for our support agents. Return only the English text.",
    "Localization engine. Target locale: {loc}. Glossary: 'workspace' -> keep in English; 'checkout' -> use the standard term. Output the localized string only.",
    "Übersetze den Text ins {tl_de}. Gib nur die Übersetzung aus.",
    "Traduis le texte en {tl}. Réponds uniquement avec la traduction.",
    "Traduce el texto al {tl}. Devuelve solo la traducción.",
    "Traduza para {tl}. Apenas a tradução, sem comentários.",
    "次の文章を{tl}に翻訳してください。翻訳文のみを出力。",
    "You are a subtitle translator. Translate each numbered subtitle line into {tl}, keep numbering and timing codes.",
    "Machine translation post-editor: given source and MT output, produce a corrected {tl} translation.",
]
TRANS_USERS = [
    "translate to {tl}:", "in {tl} please:", "{tl} version of this?", "how would this read in {tl}?",
    "{sl} -> {tl}:", "{sc} to {tc}:", "{sc}>{tc}", "what does this mean in {tl}", "can you put this into {tl}",
    "I need this in {tl} for a client", "turn this into {tl}", "{tl}?", "say this in {tl}",
    "my colleague only reads {tl}, can you convert this", "rewrite this in {tl}",
    "übersetz das ins {tl_de}", "en {tl_fr} s'il te plaît :", "pásalo al {tl_es}:", "passa para {tl_pt}:",
    "{tl}に訳して", "what's the {tl} for",
]
_DE = {"English": "Englische", "German": "Deutsche", "French": "Französische", "Spanish": "Spanische", "Japanese": "Japanische",
       "Portuguese": "Portugiesische", "Italian": "Italienische", "Dutch": "Niederländische", "Chinese": "Chinesische", "Korean": "Koreanische"}
_FR = {"English": "anglais", "German": "allemand", "French": "français", "Spanish": "espagnol", "Japanese": "japonais",
       "Portuguese": "portugais", "Italian": "italien", "Dutch": "néerlandais", "Chinese": "chinois", "Korean": "coréen"}
_ES = {"English": "inglés", "German": "alemán", "French": "francés", "Spanish": "español", "Japanese": "japonés",
       "Portuguese": "portugués", "Italian": "italiano", "Dutch": "neerlandés", "Chinese": "chino", "Korean": "coreano"}
_PT = {"English": "inglês", "German": "alemão", "French": "francês", "Spanish": "espanhol", "Japanese": "japonês",
       "Portuguese": "português", "Italian": "italiano", "Dutch": "holandês", "Chinese": "chinês", "Korean": "coreano"}


def gen_translation() -> None:
    sc = pick(list(TRANSLATION_SOURCES))
    tc = pick([c for c in LANG_NAMES if c != sc and LANG_NAMES[c] in _DE])
    sl, tl = LANG_NAMES[sc], LANG_NAMES[tc]
    kw = dict(sl=sl, tl=tl, sc=sc, tc=tc, loc=LOCALES.get(tc, tc), tl_de=_DE[tl], tl_fr=_FR[tl], tl_es=_ES[tl], tl_pt=_PT[tl])
    kind = R.randrange(9)
    sentences = TRANSLATION_SOURCES[sc]
    if kind <= 2:
        src = pick(sentences) if chance(0.6) else " ".join(sample(sentences, R.randint(2, 4)))
        system = pick(TRANS_SYSTEMS).format(**kw)
        if "subtitle" in system:
            src = "\n".join(f"{i + 1}\n00:00:{10 + 3 * i:02d},000 --> 00:00:{12 + 3 * i:02d},500\n{s}" for i, s in enumerate(sample(sentences, 3)))
        if "MT output" in system:
            src = f"SOURCE: {pick(sentences)}\nMT: {pick(TRANSLATION_SOURCES[tc] if tc in TRANSLATION_SOURCES else sentences)}"
        add("translation", "simple" if len(src) < 200 else "moderate", user=src, system=system, out=R.randint(8, 120))
    elif kind <= 5:
        src = pick(sentences)
        user = joiner(casual(pick(TRANS_USERS).format(**kw)), src)
        add("translation", "simple", **maybe_history(user, 0.15), out=R.randint(6, 40))
    elif kind == 6:
        # UI strings / JSON resource files
        keys = sample(["checkout.title", "cart.empty", "auth.login", "auth.forgot", "settings.save", "errors.network", "onboarding.welcome"], R.randint(3, 6))
        vals = sample(TRANSLATION_SOURCES["en"], len(keys))
        res = json.dumps(dict(zip(keys, vals)), indent=2, ensure_ascii=False)
        system = pick(TRANS_SYSTEMS[1:3] + TRANS_SYSTEMS[5:6]).format(**kw)
        add("translation", "moderate", user=res, system=system, out=R.randint(60, 200), response_format=pick([None, "json_object"]))
    elif kind == 7:
        # document translation, longer, with constraints
        src = article()[1] if chance(0.5) else email()
        system = (f"Translate the document into {tl} for publication. Keep names, numbers and units. Use the formal register"
                  f"{'. Keep markdown headings and lists.' if chance(0.5) else '.'}")
        cx = "moderate" if len(src) < 2500 else "complex"
        add("translation", cx, user=src, system=system, out=R.randint(150, 600))
    else:
        phrase = pick(["good luck", "cheers", "see you tomorrow", "how much does it cost", "where is the toilet",
                       "I'm allergic to peanuts", "nice to meet you", "happy birthday", "the check please", "I don't understand"])
        user = casual(pick([f"how do you say '{phrase}' in {tl}", f"{tl} for '{phrase}'?", f"'{phrase}' in {tl}",
                            f"what's '{phrase}' in {tl}", f"how would a native {tl} speaker say '{phrase}'",
                            f"comment dit-on '{phrase}' en {_FR[tl]} ?", f"wie sagt man '{phrase}' auf {_DE[tl].rstrip('e')}?",
                            f"¿cómo se dice '{phrase}' en {_ES[tl]}?"]))
        add("translation", "simple", **maybe_history(user, 0.15), out=R.randint(5, 30))


# ----------------------------------------------------------------------------------------------
# qa
# ----------------------------------------------------------------------------------------------

RAG_SYSTEMS = [
    "You are the help-centre assistant of {c}. Answer the user's question using only the articles below. If the answer is not there, say you don't know.\n\n{ctx}",
    "Answer based on the retrieved passages. Cite sources as [1], [2].\n\n{ctx}",
    "You are an internal knowledge-base bot. Context:\n{ctx}\nBe concise. Do not make up policies.",
    "Use the following documents to answer. If they don't contain the answer, reply 'I could not find this in the documentation.'\n{ctx}",
    "Beantworte die Frage ausschließlich anhand des Kontexts.\nKontext:\n{ctx}",
    "Réponds à la question uniquement à partir des extraits ci-dessous.\n{ctx}",
    "Responde usando solo la información del contexto.\n{ctx}",
]
QA_SYSTEMS = ["You are a helpful assistant. Answer factual questions briefly.", "Answer in one sentence.",
              "You are a trivia assistant. Give the answer and one supporting fact.",
              "You are a search assistant. Answer the query directly, then give a short explanation.",
              "Be concise and accurate.", None, None, None]


def _ctx(arts: list[tuple[str, str]]) -> str:
    style = R.randrange(3)
    if style == 0:
        return "\n".join(f"[{i + 1}] {t}: {b}" for i, (t, b) in enumerate(arts))
    if style == 1:
        return "\n\n".join(f"<doc title=\"{t}\">\n{b}\n</doc>" for t, b in arts)
    return "\n---\n".join(f"## {t}\n{b}" for t, b in arts)


def gen_qa() -> None:
    kind = R.randrange(7)
    if kind <= 2:
        q = pick(FACT_QUESTIONS)
        q = casual(q) if chance(0.5) else q
        system = pick(QA_SYSTEMS)
        add("qa", "simple", **maybe_history(q, 0.1), system=system, out=R.randint(5, 60))
    elif kind <= 4:
        main = pick(KB_ARTICLES)
        arts = [main] + sample([a for a in KB_ARTICLES if a != main], R.randint(1, 4))
        R.shuffle(arts)
        q = casual(pick(KB_QUESTIONS[main[0]]))
        system = pick(RAG_SYSTEMS).format(c=pick(COMPANIES), ctx=_ctx(arts))
        add("qa", "simple" if len(arts) <= 2 else "moderate", **maybe_history(q, 0.2), system=system, out=R.randint(15, 80))
    elif kind == 5:
        main = pick(KB_ARTICLES)
        q = pick(KB_QUESTIONS[main[0]])
        user = pick([f"Context:\n{main[1]}\n\nQuestion: {q}", f"{main[1]}\n\nBased on the above, {q}",
                     f"According to this policy: \"{main[1]}\" - {q}", f"Here's our FAQ entry:\n{main[1]}\n{q}",
                     f"Question: {q}\nPassage: {main[1]}\nAnswer:"])
        add("qa", "simple", user=user, out=R.randint(10, 50))
    else:
        # doc QA over a longer pasted text
        topic, body = article(n=8)
        q = pick(["What percentage is mentioned?", "Who opposes it and why?", "What are the numbers given?",
                  "What is the main obstacle?", "When does the next step happen?", "How much does it cost?",
                  "what does the text say about the budget?", "Is there any criticism mentioned?"])
        user = joiner(q, body)
        add("qa", "moderate" if chance(0.4) else "simple", user=user, out=R.randint(15, 80))


# ----------------------------------------------------------------------------------------------
# chat
# ----------------------------------------------------------------------------------------------

PERSONAS = [
    "You are {n}, the friendly virtual assistant of {c}. Help customers with orders, returns and accounts. Be warm and brief.",
    "You are a customer support agent for {c}. Verify the customer's identity before discussing account details. Escalate to a human if the customer asks twice.",
    "You are {n}, a companion app character. You are curious, kind and remember what the user tells you.",
    "You are a concierge for {c} hotel guests. Offer restaurant and activity suggestions, handle room requests.",
    "You are a wellbeing chat buddy. Listen, reflect feelings, never diagnose. Suggest professional help for crises.",
    "You are a language exchange partner. Chat casually in {l} and gently correct mistakes.",
    "You are the in-app assistant for {c}. Tools: lookup_order, create_return, escalate_to_human.",
    "Du bist der Kundenservice-Assistent von {c}. Sei freundlich und hilfsbereit.",
    "Tu es l'assistant virtuel de {c}. Réponds aux clients avec courtoisie.",
    "Eres el asistente de atención al cliente de {c}. Sé amable y breve.",
    "Você é o assistente virtual da {c}. Ajude o cliente com cordialidade.",
    "あなたは{c}のカスタマーサポート担当です。丁寧に対応してください。",
    "You are a helpful assistant.",
]
SMALLTALK = ["hi", "hello!", "hey", "good morning", "how are you?", "what's up", "thanks!", "thank you so much",
             "lol", "you're awesome", "that didn't help", "ok", "cool", "are you a real person?", "what can you do?",
             "I'm bored", "tell me something interesting", "I had a rough day", "can we just talk for a bit?",
             "do you like music?", "what should I call you?", "good night", "bye!", "I'm back", "nevermind",
             "hola", "bonjour", "hallo", "oi, tudo bem?", "こんにちは", "ciao", "merci", "danke dir", "gracias",
             "I'm nervous about my exam tomorrow", "my dog died last week", "I just got promoted!!",
             "can I talk to a human", "this is so frustrating", "you misunderstood me"]
SUPPORT_FOLLOWUPS = ["yes that's the one", "it's order {num}", "I already tried that", "no, still not working",
                     "can you check again?", "ok and how long will that take?", "great, thanks", "what are my options?",
                     "I'd rather get a refund", "the email is {e}", "it was last Tuesday", "why does this keep happening",
                     "fine, do it", "can you escalate this?", "that's not what I asked", "is there anything else I can do?"]


def gen_chat() -> None:
    kind = R.randrange(6)
    c, n = pick(COMPANIES), pick(["Mia", "Leo", "Sam", "Ava", "Kai", "Nova", "Ben", "Lina"])
    system = pick(PERSONAS).format(c=c, n=n, l=pick(["Spanish", "French", "German"]))
    if kind <= 1:
        user = pick(SMALLTALK)
        add("chat", "simple", user=casual(user) if chance(0.3) else user, system=system if chance(0.6) else None, out=R.randint(8, 60))
    elif kind <= 3:
        msgs = [{"role": "user", "content": pick(TICKETS)}]
        for _ in range(R.randint(1, 4)):
            msgs.append({"role": "assistant", "content": pick(["I'm sorry to hear that. Could you share your order number?",
                                                                "Thanks for reaching out! Let me look into this.",
                                                                "I understand. Can you tell me which device you use?",
                                                                "I've checked your account. I can offer a replacement or a refund.",
                                                                "Could you confirm the email on your account?"])})
            msgs.append({"role": "user", "content": pick(SUPPORT_FOLLOWUPS).format(num=R.randint(10000, 99999), e=f"{pick(PEOPLE).split()[0].lower()}@mail.com")})
        cx = "moderate" if len(msgs) >= 5 or "Tools" in system else "simple"
        add("chat", cx, messages=msgs, system=system, out=R.randint(30, 150), n_tools=R.choice([0, 0, 3]) if "Tools" in system else 0)
    elif kind == 4:
        msgs = []
        for _ in range(R.randint(2, 5)):
            msgs.append({"role": "user", "content": pick(SMALLTALK)})
            msgs.append({"role": "assistant", "content": pick(["Haha, I hear you!", "That sounds tough. Want to tell me more?",
                                                                "Congrats! How are you celebrating?", "I'm here for you.",
                                                                "Sure! What's on your mind?"])})
        msgs.append({"role": "user", "content": pick(SMALLTALK + ["what do you think I should do?", "tell me a joke",
                                                                  "do you remember what I said earlier?"])})
        add("chat", "simple" if len(msgs) < 6 else "moderate", messages=msgs, system=system if chance(0.7) else None, out=R.randint(20, 120))
    else:
        first = pick(TICKETS)
        add("chat", "simple", user=casual(first) if chance(0.4) else first, system=pick(PERSONAS[:2] + PERSONAS[6:]).format(c=c, n=n, l="English"),
            out=R.randint(30, 120), n_tools=pick([0, 0, 2, 4]))


# ----------------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------------

WRITING_BRIEFS = [
    ("a product description for a {prod}", "simple"), ("a LinkedIn post announcing {c}'s new office in {city}", "moderate"),
    ("an out-of-office message", "simple"), ("a cold outreach email to a head of operations at {c}", "moderate"),
    ("a blog post on how to choose a {prod}", "moderate"), ("three subject lines for our spring sale", "simple"),
    ("a tweet about our {prod} launch", "simple"), ("a short bedtime story about a dragon who is afraid of the dark", "moderate"),
    ("a wedding toast for my sister", "moderate"), ("an apology email to customers affected by yesterday's outage", "moderate"),
    ("a job ad for a senior backend engineer", "moderate"), ("a haiku about autumn rain", "simple"),
    ("a press release about {c} raising a Series B", "moderate"), ("the About Us page for a family bakery", "moderate"),
    ("a thank-you card message for my team", "simple"), ("an Instagram caption for a beach photo", "simple"),
    ("a reference letter for {p}", "moderate"), ("a resignation letter, polite and short", "simple"),
    ("a newsletter intro for our April issue", "simple"), ("a 1,500-word feature article on urban beekeeping with interviews and subheadings", "complex"),
    ("ad copy for a {prod}, 3 variants for A/B testing", "moderate"), ("a landing page hero section for a budgeting app", "simple"),
    ("a short poem for my grandmother's 90th birthday", "simple"), ("a speech for the opening of a community garden", "moderate"),
    ("a rejection email to a candidate that stays warm", "simple"), ("a fundraising letter for a local animal shelter", "moderate"),
    ("the first chapter of a mystery novel set in {city}, about 2,000 words", "complex"),
    ("a product review of a {prod} in the voice of a grumpy critic", "moderate"), ("a welcome email sequence of 4 emails for new users", "complex"),
    ("a slogan for a vegan burger truck", "simple"), ("a eulogy for a colleague who loved sailing", "moderate"),
    ("song lyrics about leaving {city}", "moderate"), ("a limerick about a forgetful robot", "simple"),
    ("a short bio for a conference speaker page", "simple"), ("an FAQ-style help article on resetting passwords", "moderate"),
]
WRITING_VERBS = ["Write", "Draft", "Compose", "Create", "Can you write", "I need", "Give me", "Come up with", "Help me write",
                 "Put together", "write me", "need", "pls write", "Could you draft"]
WRITING_SYSTEMS = [
    "You are a senior copywriter at {c}. Brand voice: {tone}. Avoid clichés and exclamation marks.",
    "You are a ghostwriter. Match the user's voice from their previous posts. Keep it under {n} words.",
    "You write marketing emails. Always include a subject line, preheader, body and a clear call to action.",
    "You are a creative writing partner. Use vivid imagery and dialogue.",
    "You are an editor. Improve clarity and flow without changing the meaning. Return only the edited text.",
    "You help non-native speakers write professional English emails.",
    "Du bist Texter für eine Agentur. Schreibe lebendig und prägnant.",
    "Tu es rédacteur web. Écris des textes optimisés pour le référencement.",
    "Eres redactor publicitario. Escribe textos persuasivos y breves.",
    "Você é redator de conteúdo para redes sociais.",
    "あなたはプロのコピーライターです。",
]
EDIT_INSTRUCTIONS = ["make this sound more professional", "rewrite this to be friendlier", "fix the grammar", "shorten this to 50 words",
                     "make this less passive-aggressive", "polish this paragraph", "can you make this more persuasive?",
                     "rewrite for a 10-year-old", "make it punchier", "tone this down a bit", "proofread please",
                     "improve the flow", "rephrase this so it doesn't sound rude", "make this read better",
                     "reformule de manière plus polie", "formuliere das freundlicher", "mejora la redacción", "deixa mais formal"]
ROUGH_TEXTS = ["hey so the report is late again because nobody sent me the numbers, can u pls send by tmrw",
               "We regret to inform you that your application has not been succesful at this time we will keep your cv on file",
               "our product is good and cheap and you should buy it because it is good",
               "As per my last email the deadline was friday and it is now tuesday",
               "Hi, I want to complain, the room was dirty and the staff didnt care at all, I want money back",
               "the new feature lets users export data, it is faster, also it has less bugs than before",
               "Dear sir/madam i am writing for apply the position of marketing assistant that i see on your website"]


def gen_writing() -> None:
    kind = R.randrange(7)
    fill = dict(prod=pick(PRODUCTS), c=pick(COMPANIES), city=pick(CITIES), p=pick(PEOPLE))
    if kind <= 2:
        brief, cx = pick(WRITING_BRIEFS)
        brief = brief.format(**fill)
        extras = sample(["Keep it under 120 words.", "Tone: warm but professional.", "Mention free shipping.", "Include a call to action.",
                         "Use British spelling.", "Add 3 hashtags.", "No jargon.", "Make it funny.", "Target audience: small business owners.",
                         "Use short paragraphs.", "Include a subject line."], R.randint(0, 3))
        user = f"{pick(WRITING_VERBS)} {brief}. {' '.join(extras)}".strip()
        if len(extras) >= 3 and cx == "simple":
            cx = "moderate"
        system = pick(WRITING_SYSTEMS).format(c=fill["c"], tone=pick(["playful", "confident", "calm"]), n=R.randint(80, 300)) if chance(0.35) else None
        out = {"simple": R.randint(20, 120), "moderate": R.randint(150, 600), "complex": R.randint(1200, 3000)}[cx]
        add("writing", cx, **maybe_history(casual(user) if chance(0.4) else user, 0.12), system=system, out=out)
    elif kind == 3:
        text = pick(ROUGH_TEXTS)
        user = joiner(casual(pick(EDIT_INSTRUCTIONS)), text)
        add("writing", "simple", **maybe_history(user, 0.1), out=R.randint(20, 80))
    elif kind == 4:
        # system defines the job, user gives only the facts
        facts = pick([product_record(), f"Event: {pick(['summer party', 'product webinar', 'open day'])}, {R.randint(1, 28)} June, {pick(CITIES)}, RSVP by email",
                      f"Client {pick(COMPANIES)} renewed for 2 years; thanks to {pick(PEOPLE)}; team celebration Friday",
                      f"2-bed apartment, {pick(CITIES)}, balcony, renovated kitchen, {R.randint(900, 2500)}/month"])
        system = pick(["You write e-commerce product descriptions: 80-120 words, benefit-led, end with a one-line spec summary.",
                       "You are a real-estate listing writer. Energetic, honest, 150 words.",
                       "Turn the facts into a short internal announcement for the company newsletter.",
                       "Write an event invitation email from these details. Friendly tone, include date, place, RSVP.",
                       "Generate 5 Google Ads headlines (max 30 chars) and 2 descriptions (max 90 chars) from the product info.",
                       "Schreibe eine Produktbeschreibung für den Onlineshop (ca. 100 Wörter).",
                       "Rédige une annonce immobilière attrayante à partir des informations fournies."])
        add("writing", "moderate" if chance(0.6) else "simple", user=facts, system=system, out=R.randint(80, 300))
    elif kind == 5:
        # reply drafting to a customer (writing, not chat: the model drafts text for a human to send)
        msg = pick(TICKETS + [email()])
        system = pick(["Draft a reply to the customer email below for the agent to review. Empathetic, offer next steps, sign as 'The {c} team'.",
                       "You help sales reps answer emails. Write a reply that books a meeting.",
                       "Write a polite response to this review for our public page."]).format(c=fill["c"])
        add("writing", "moderate" if len(msg) > 200 else "simple", user=msg, system=system, out=R.randint(80, 250))
    elif kind == 6:
        constraints = sample(["Exactly 5 sections with H2 headings.", "Include an intro and a conclusion.", "Cite at least 3 statistics (mark them [source needed]).",
                              "Target keyword: 'home office setup' used 4-6 times.", "Reading level: grade 8.", "Add a meta description under 155 chars.",
                              "Include two customer quotes.", "End with a CTA to book a demo.", "Avoid passive voice.", "About 1,500 words."], R.randint(4, 8))
        topic = pick(["remote team rituals", "choosing a CRM", "sustainable packaging", "first-time home buying", "the history of coffee",
                      "cyber hygiene for small firms", "training for a half marathon"])
        system = "You are a long-form content writer for a B2B blog.\n" + "\n".join(f"- {x}" for x in constraints)
        add("writing", "complex" if len(constraints) >= 6 else "moderate", user=f"Topic: {topic}", system=system, out=R.randint(1200, 2500))
    else:
        pass


# ----------------------------------------------------------------------------------------------
# code
# ----------------------------------------------------------------------------------------------

CODE_ASKS = [
    ("python function that checks if a string is a palindrome", "simple"), ("regex for UK postcodes", "simple"),
    ("SQL to find duplicate emails in a users table", "simple"), ("bash one-liner to count lines in all .py files", "simple"),
    ("a React hook that debounces a value", "moderate"), ("a FastAPI endpoint that uploads a file to S3", "moderate"),
    ("convert this loop to a list comprehension", "simple"), ("unit tests for a function that parses dates", "moderate"),
    ("a Go worker pool with graceful shutdown and context cancellation", "complex"), ("a Dockerfile for a Node app", "simple"),
    ("a GitHub Actions workflow that runs pytest on push", "simple"), ("an Airflow DAG that loads CSVs into BigQuery daily", "moderate"),
    ("a rate limiter in Redis (sliding window)", "moderate"), ("migrate this jQuery code to vanilla JS", "moderate"),
    ("a Terraform module for an S3 bucket with versioning", "moderate"), ("pandas: pivot sales by month and region", "simple"),
    ("a Rust CLI that tails a log file and highlights errors", "moderate"), ("Kotlin data class with JSON serialization", "simple"),
    ("a thread-safe LRU cache in Java with tests", "complex"), ("an event-sourced order service design with code skeleton", "complex"),
    ("git command to undo the last commit but keep changes", "simple"), ("how to center a div", "simple"),
    ("a SQL window function for running totals per customer", "moderate"), ("a Kubernetes HPA manifest for CPU 70%", "simple"),
    ("an ETL script that dedupes customer records with fuzzy matching", "complex"),
]
CODE_VERBS = ["Write", "Give me", "I need", "Can you write", "Implement", "Generate", "Show me", "how do I write", "write me", "need"]
CODE_SYSTEMS = ["You are an expert software engineer. Answer with code first, then a brief explanation.",
                "You are a senior {lang} developer doing code review. Point out bugs, security issues and style problems.",
                "Return only SQL (PostgreSQL). No explanations.", "You are a coding assistant inside an IDE. Reply with a unified diff.",
                "You translate code between languages faithfully, keeping behaviour identical.",
                "You are a shell expert. Output only the command.", "You write docstrings and type hints for the given code.",
                "You are a DevOps assistant. Prefer idempotent scripts.", "Du bist ein erfahrener Softwareentwickler.",
                "Tu es un assistant de programmation.", "Eres un asistente de programación.", "あなたは優秀なプログラマーです。"]


def gen_code() -> None:
    kind = R.randrange(8)
    lang, snippet = pick(CODE_SNIPPETS)
    fence = f"```{lang}\n{snippet}\n```" if chance(0.7) else snippet
    if kind <= 1:
        ask, cx = pick(CODE_ASKS)
        user = f"{pick(CODE_VERBS)} {ask}"
        system = pick(CODE_SYSTEMS).format(lang=lang) if chance(0.3) else None
        add("code", cx, **maybe_history(casual(user) if chance(0.5) else user, 0.15), system=system,
            out={"simple": R.randint(20, 150), "moderate": R.randint(150, 600), "complex": R.randint(800, 2500)}[cx])
    elif kind == 2:
        err = pick(ERRORS)
        user = pick([f"{fence}\n\n{err}", f"getting this:\n{err}\nany idea?", f"why does this fail?\n{fence}\n{err}",
                     f"{err}", f"help: {err}", f"my build broke:\n```\n{err}\n```", f"{err}\n\nthis started after upgrading, what changed?"])
        add("code", "moderate" if len(user) > 200 else "simple", **maybe_history(user, 0.2), out=R.randint(80, 400))
    elif kind == 3:
        instr = pick(["what does this do?", "explain this code", "review this", "any bugs here?", "make this faster", "refactor this",
                      "add type hints", "convert this to {other}", "write tests for this", "is this safe?", "why is this slow",
                      "can you simplify", "comment this", "ELI5 this snippet", "was macht dieser Code?", "que fait ce code ?",
                      "¿qué hace este código?", "o que esse código faz?", "このコードを説明して"]).format(other=pick(["Go", "TypeScript", "Rust", "Python", "Java"]))
        user = f"{fence}\n\n{instr}" if chance(0.5) else f"{instr}\n{fence}"
        add("code", "simple" if instr.startswith(("what", "explain", "ELI5", "comment", "was", "que", "¿", "o que", "この")) else "moderate", **maybe_history(user, 0.15), out=R.randint(60, 500))
    elif kind == 4:
        system = pick(CODE_SYSTEMS[:3]).format(lang=lang)
        add("code", "moderate", user=fence, system=system, out=R.randint(100, 500))
    elif kind == 5:
        schema = pick(["orders(id, customer_id, amount, created_at), customers(id, name, country)",
                       "events(user_id, event, ts), users(id, signup_date, plan)",
                       "tickets(id, opened_at, closed_at, priority, team)"])
        q = pick(["monthly revenue by country for 2023", "7-day retention by signup week", "median time to close per team",
                  "top 10 customers by spend last quarter", "users who churned after downgrading"])
        system = pick(["You translate questions into SQL for DuckDB. Tables: {s}. Return only the query.",
                       "Text-to-SQL. Schema: {s}. Use CTEs. No comments.", "Du schreibst SQL für Postgres. Schema: {s}"]).format(s=schema)
        add("code", "moderate" if "retention" in q or "churn" in q else "simple", user=casual(q), system=system, out=R.randint(40, 200))
    elif kind == 6:
        # agentic coding with tools
        system = ("You are a coding agent working in the user's repository. Tools: read_file, write_file, run_tests, search. "
                  "Make minimal changes, run the tests before finishing.")
        task = pick(["fix the failing test in tests/test_billing.py", "add pagination to the /users endpoint",
                     "upgrade the project to pydantic v2", "the CI is red on main, find out why and fix it",
                     "rename the `Customer` model to `Account` everywhere", "add retry with exponential backoff to the HTTP client"])
        add("code", "complex" if "upgrade" in task or "rename" in task else "moderate", user=task, system=system, n_tools=4, out=R.randint(300, 2000))
    else:
        user = casual(pick(["how do I revert a merge commit in git", "difference between let and const", "what's a closure in javascript",
                            "how to read a csv in pandas skipping the first 2 rows", "docker compose restart a single service",
                            "how to make a POST request with curl and json body", "what does `yield` do in python",
                            "best way to deep copy an object in JS", "how do I list open ports on linux",
                            "why use a virtualenv", "kubectl get logs of previous container", "npm vs pnpm?"]))
        add("code", "simple", **maybe_history(user, 0.1), out=R.randint(30, 200))


# ----------------------------------------------------------------------------------------------
# reasoning
# ----------------------------------------------------------------------------------------------

def gen_reasoning() -> None:
    kind = R.randrange(10)
    a, b, c = R.randint(2, 90), R.randint(2, 60), R.randint(2, 12)
    if kind == 0:
        user = pick([f"what's {a} * {b}", f"{a}+{b}*{c}=?", f"what is {a}% of {b * 10}", f"{a * b} divided by {b}?",
                     f"how much is a {c}% tip on ${a}.{b:02d}", f"{a * 3} km in miles", f"convert {a} F to C",
                     f"how many minutes in {c} days", f"is {a * 7 + 1} prime?", f"square root of {a * a}"])
        add("reasoning", "simple", **maybe_history(casual(user), 0.1), out=R.randint(5, 40))
    elif kind <= 2:
        user = pick([
            f"A train leaves at 09:{a % 60:02d} and travels {a * 5} km at {b + 40} km/h. When does it arrive?",
            f"I earn ${a * 1000} a year and save {c}% each month. How long until I have ${b * 1000}?",
            f"A shop marks up items by {a}% and then offers {c}% off. Is the final price higher or lower than cost, and by how much?",
            f"We have {a} engineers and {b} tickets per week; each takes {c} hours. Do we have enough capacity at 30h/week each?",
            f"If it takes {c} people {a} hours to paint a house, how long would {c + 2} people take?",
            f"A recipe for {c} people needs {a * 10} g of flour. How much for {c + b % 7 + 1} people?",
            f"My car uses {c}.5 L/100km, fuel is 1.{b:02d}/L. Trip is {a * 10} km each way. Cost of a round trip?",
            f"Loan of {a * 1000} at {c}% per year compounded monthly for {b % 10 + 1} years: total interest?",
            f"There are {a} red and {b} blue balls. Two are drawn without replacement. Probability both are red?",
            f"Project A costs {a}k and returns {b}k/yr; project B costs {b}k and returns {c}k/yr. Which has the faster payback?",
            f"Ich habe {a} Euro und kaufe {c} Artikel zu je {b / 10:.2f} Euro. Wie viel bleibt übrig?",
            f"Un tren sale a las 8 y recorre {a * 4} km a {b + 50} km/h. ¿A qué hora llega?",
            f"Si j'économise {a} € par semaine, combien de semaines pour atteindre {b * 100} € ?",
        ])
        add("reasoning", "moderate" if chance(0.6) else "simple", **maybe_history(casual(user) if chance(0.3) else user, 0.1),
            out=R.randint(40, 300), reasoning_tokens=pick([0, 0, R.randint(200, 1500)]))
    elif kind == 3:
        user = pick(["Three friends split a bill: A paid 60, B paid 30, C paid 0. Total was 90. Who owes whom?",
                     "Alice is older than Bob. Carol is younger than Bob. Dan is older than Alice. Order them by age.",
                     "If all bloops are razzies and some razzies are lazzies, are some bloops lazzies?",
                     "A bat and a ball cost 1.10 total; the bat costs 1.00 more than the ball. Ball price?",
                     "You have a 3L and a 5L jug. How do you measure exactly 4L?",
                     "Five houses in a row, each a different colour... the Norwegian lives in the first house. Who owns the fish?",
                     "Two doors, one guard lies, one tells the truth. What single question gets you out?",
                     "Which is bigger: 2^100 or 10^30? Explain without a calculator."])
        add("reasoning", "moderate", **maybe_history(user, 0.1), out=R.randint(80, 400), reasoning_tokens=pick([0, R.randint(500, 3000)]))
    elif kind == 4:
        constraints = sample([f"{p.split()[0]} can't work Mondays" for p in PEOPLE[:6]] + ["each shift needs 2 people", "no one works more than 3 days",
                             "weekends need a senior", "minimize overtime", "Lina and Kai can't be on the same shift"], R.randint(3, 7))
        user = "Build a weekly shift schedule for 6 people under these constraints:\n" + "\n".join(f"- {x}" for x in constraints)
        add("reasoning", "complex" if len(constraints) >= 5 else "moderate", user=user, out=R.randint(300, 900),
            reasoning_tokens=R.randint(1000, 9000))
    elif kind == 5:
        user = pick(["Prove that the square root of 2 is irrational.", "Show that there are infinitely many primes.",
                     "Prove by induction that 1 + 2 + ... + n = n(n+1)/2.", "Prove that every tree with n nodes has n-1 edges.",
                     "Find all real solutions of x^4 - 5x^2 + 4 = 0 and justify.", "Is the series sum 1/n^2 convergent? Prove it.",
                     "Derive the formula for the variance of a binomial distribution."])
        add("reasoning", "complex" if "Prove" in user or "Derive" in user else "moderate", user=user,
            system=pick([None, "You are a math tutor. Show every step.", "Answer with a rigorous proof."]), out=R.randint(300, 1500),
            reasoning_tokens=R.randint(2000, 15000))
    elif kind == 6:
        system = pick(["You are a strategy consultant. Structure your analysis (MECE), quantify where possible, end with a recommendation.",
                       "You are a decision-support assistant. List options, criteria, weights, score each option, recommend.",
                       "Think step by step before answering.", None])
        user = pick([f"Should {pick(COMPANIES)} expand to {pick(CITIES)} or double down on its home market? Revenue {a}M, margin {c}%, 2 competitors there.",
                     "Rent vs buy: flat costs 420k, rent is 1,600/month, mortgage 3.9% over 25 years, expected appreciation 2%. Compare over 10 years.",
                     "Our SaaS has 3% monthly churn, CAC 900, ARPU 80. Is the unit economics healthy? What should we fix first?",
                     "Estimate how many piano tuners work in Chicago.", "Plan a 10-day Japan itinerary on a 3,000 budget with 2 kids; compare rail pass vs single tickets.",
                     "We need to cut cloud costs by 30% without hurting latency. Analyse the options and prioritize.",
                     "Which pricing model is better for us, per-seat or usage-based? Weigh the trade-offs for a B2B analytics tool."])
        cx = "complex" if any(w in user for w in ("Compare over", "itinerary", "Analyse", "unit economics", "expand")) else "moderate"
        add("reasoning", cx, **maybe_history(user, 0.1), system=system, out=R.randint(400, 1500), reasoning_tokens=pick([0, R.randint(1000, 8000)]))
    elif kind == 7:
        data = "\n".join(f"{m}: {R.randint(80, 200)}" for m in ["Jan", "Feb", "Mar", "Apr", "May", "Jun"])
        user = pick([f"Monthly signups:\n{data}\nWhat's the trend and what would you forecast for July?",
                     f"{data}\nCompute the average, the month-over-month growth and flag outliers.",
                     f"Here are weekly orders:\n{data}\nIs the drop in April significant or noise?"])
        add("reasoning", "moderate", user=user, out=R.randint(100, 400), reasoning_tokens=pick([0, R.randint(300, 2000)]))
    elif kind == 8:
        user = pick([f"Wie viele Sekunden hat eine Woche?", f"Combien font {a} fois {b} ?", f"¿Cuánto es el {c}% de {a * 10}?",
                     f"Quanto é {a} vezes {b}?", f"{a}の{c}倍はいくつ？", f"if I'm born in {1950 + a % 60}, how old am I in 2030",
                     f"how many weeks until christmas from june {c}", f"{a} inches in cm?", f"what's {c}/{a} as a percentage"])
        add("reasoning", "simple", user=casual(user), out=R.randint(5, 40))
    else:
        user = pick(["Our checkout conversion dropped from 3.1% to 2.4% after the redesign, but traffic also shifted to mobile. How do we tell which caused it?",
                     "Given these A/B results: control 480/10000, variant 540/10000. Is the difference significant at 95%?",
                     "A disease affects 1% of people; the test is 95% sensitive and 90% specific. If I test positive, what's the chance I have it?",
                     "Team velocity: 30, 34, 28, 41, 33 points. Backlog is 260 points. When will we finish, with a confidence range?"])
        add("reasoning", "moderate", **maybe_history(user, 0.1), out=R.randint(150, 500), reasoning_tokens=pick([0, R.randint(500, 4000)]))


# ----------------------------------------------------------------------------------------------
# other (pings, image generation via chat)
# ----------------------------------------------------------------------------------------------

def gen_other() -> None:
    user = pick(["ping", "test", "testing 123", "hello world", "health check", "Generate an image of a cat astronaut",
                 "draw a logo for a coffee shop called Bean There", "create a picture of a sunset over Lisbon in watercolour",
                 "make an illustration of a robot reading a book", "render a photo-realistic red sports car", ".", "asdf"])
    add("other", "simple", user=user, out=R.randint(1, 10))


GENERATORS = {
    "classification": (gen_classification, 230),
    "extraction": (gen_extraction, 200),
    "summarization": (gen_summarization, 170),
    "translation": (gen_translation, 160),
    "qa": (gen_qa, 170),
    "chat": (gen_chat, 160),
    "writing": (gen_writing, 180),
    "code": (gen_code, 180),
    "reasoning": (gen_reasoning, 180),
    "other": (gen_other, 25),
}


def build() -> list[dict]:
    OUT.clear()
    for _task, (fn, n) in GENERATORS.items():
        before = len(OUT)
        while len(OUT) - before < n:
            fn()
    seen, unique = set(), []
    for ex in OUT:
        key = json.dumps({k: ex.get(k) for k in ("system", "user", "messages")}, sort_keys=True, ensure_ascii=False)
        if key not in seen:
            seen.add(key)
            unique.append(ex)
    R.shuffle(unique)
    return unique


def _writers() -> list[dict]:
    """The examples of `writers/*.jsonl`: one file per writer, each given one style (production
    apps' templates, end users in chat UIs, non-English and code-mixed, long pasted material under
    a one-line instruction, ... see docs/categorisation.md), writing by hand, independently of each
    other and of the dev sets. Each
    line keeps its writer as `author` (the CV holds each writer out whole: the dev sets are other
    people's writing) and its scenario as `family`, and counts like the other hand-written examples."""
    rows = []
    for path in sorted((HERE / "writers").glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                row["family"] = f"{path.stem}:{row.get('family') or len(rows)}"
                row["author"] = path.stem
                row["weight"] = HANDWRITTEN_WEIGHT
                rows.append(row)
    return rows


def _held_out(rows: list[dict]) -> tuple[list[dict], int]:
    """The rows minus any whose (system, user) prompt is also in a dev set or the eval set: a
    writer who never saw those sets can still write the same common question ("what's the
    difference between a Roth IRA and a traditional IRA?"), and the sets must stay unseen."""
    from mmaudit.categorise.dataset import example_row, read_examples

    held = {(r["system_prompt"], r["user_prompt"])
            for name in ("dev_set.jsonl", "dev_set_b.jsonl", "eval_set.jsonl") for r in read_examples(HERE / name)}
    def prompt(row: dict, i: int) -> tuple[str | None, str | None]:
        example = example_row(row, i)
        return example["system_prompt"], example["user_prompt"]

    kept = [row for i, row in enumerate(rows) if prompt(row, i) not in held]
    return kept, len(rows) - len(kept)


def main() -> None:
    handwritten = [json.loads(line) for line in (HERE / "train_handwritten.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    for row in handwritten:  # realistic, untemplated: they count 3x in the model's fit (chosen on the dev split)
        row["weight"] = HANDWRITTEN_WEIGHT
    generated = build()
    from mmaudit.categorise.data.build_styles import build as build_styles

    styles = build_styles()
    writers, dropped = _held_out(_writers())
    rows = handwritten + generated + styles + writers
    with open(HERE / "train_set.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {len(rows)} examples ({len(handwritten)} hand-written + {len(generated)} generated"
          f" + {len(styles)} in other styles + {len(writers)} by {len({w['family'].split(':')[0] for w in writers})} independent writers; {dropped} of theirs left out: the same prompt as a dev or eval set example) to {HERE / 'train_set.jsonl'}")
    if "--model" in sys.argv[1:]:
        from mmaudit.categorise.training import train

        report = train(HERE / "train_set.jsonl", HERE / "categoriser.npz", folds=5)
        print(report.render())


if __name__ == "__main__":
    main()
