"""Hand-written detectors: features for the model, and reasons a moderator reads in plain words.

Each rule runs on normalised text (see `normalize.py`: accents stripped, obfuscation
folded, links/emails/phones turned into tokens), in English and Spanish.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ahocorasick

DOSE = (
    r"\d+(?:[.,]\d+)?\s?(?:mg/kg|mg|mcg|µg|ml|cc|g|grams?|gramos?|sprays?|troches?|drops?|gotas"
    r"|puffs?|pumps?|units?|unidades|bumps?|lines?|rayas?|pulverizaciones|dosis|doses?)\b"
)
IMPERATIVE = (
    r"\b(?:take|start|use|try|do|double|triple|increase|up|bump|microdose|snort|inject|add|go"
    r"|toma|tome|tomen|empieza|empiece|usa|use|prueba|duplica|sube|aumenta|inyecta|mete|haz)\b"
)
#: Not right after a negation: "don't stop your meds on your own" is a caution, not advice.
NOT_NEGATED = (
    r"(?<!n't )(?<!not )(?<!never )(?<!no )(?<!nunca )(?<!don't )(?<!dont )(?<!do not )"
    r"(?<!not to )(?<!before you )(?<!antes de )"
)
#: Not right after a denial: "not a cure", "tampoco es milagro", "wouldn't call it guaranteed".
NOT_DENIED = (
    r"(?<!not )(?<!n't )(?<!not a )(?<!n't a )(?<!not the )(?<!no )(?<!no es )(?<!no es una )"
    r"(?<!tampoco es )(?<!ni es )(?<!no fue )(?<!no fue una )(?<!call it a )(?<!call it )(?<!never )"
    r"(?<!nunca )(?<!como )"
)
MEDICATION = (
    r"(?:meds|medications?|medicines?|antidepressants?|ssris?|snris?|pills|gabapentin|neurontin"
    r"|lyrica|pregabalin|zoloft|sertraline|prozac|fluoxetine|lexapro|escitalopram|effexor"
    r"|venlafaxine|cymbalta|duloxetine|wellbutrin|lithium|litio|insulin|insulina|opioids?|opiaceos"
    r"|benzos?|xanax|klonopin|warfarin|blood thinners?|anticoagulantes?|antipsychotics?|seroquel"
    r"|abilify|lamictal|topiramate|topamax|triptans?|prescriptions?|medicamentos?|medicacion"
    r"|pastillas|antidepresivos?|tratamiento|psychiatric meds|psych meds|tramadol)"
)


@dataclass(frozen=True, eq=False)  # compared by identity: `rule in hits` stays cheap
class Rule:
    name: str
    #: What the moderator reads, e.g. "dosing instruction".
    reason: str
    #: The labels this rule is evidence for.
    labels: tuple[str, ...]
    pattern: re.Pattern[str]
    #: A cheap search that every match of `pattern` implies (a literal, a digit), tried
    #: first: most comments fail it, and skip the costly pattern.
    needs: re.Pattern[str] | None = None
    #: Substrings one of which every match contains: a few `in` tests cost less than
    #: one search of a long alternation that starts with a word boundary.
    keys: tuple[str, ...] = ()

    def matches(self, normalized: str) -> bool:
        if self.keys and not any(map(normalized.__contains__, self.keys)):
            return False
        if self.needs is not None and self.needs.search(normalized) is None:
            return False
        return self.pattern.search(normalized) is not None


def _rule(
    name: str,
    reason: str,
    labels: tuple[str, ...],
    pattern: str,
    needs: str | None = None,
    keys: str = "",
) -> Rule:
    """`keys` are the substrings of `Rule.keys`, separated by "|"."""
    compiled = re.compile(needs) if needs else None
    substrings = tuple(filter(None, keys.split("|")))
    return Rule(name, reason, labels, re.compile(pattern), compiled, substrings)


SPAM = ("spam",)
CLAIM = ("medical_claim",)
BOTH = ("spam", "medical_claim")

RULES: tuple[Rule, ...] = (
    _rule("phone", "phone number", SPAM, r"\bphonetoken\b", needs="phonetoken"),
    _rule("email", "email address", SPAM, r"\bemailtoken\b", needs="emailtoken"),
    _rule(
        "messenger",
        "messenger contact",
        SPAM,
        r"\b(?:telegram|wh?ats ?app?|wasap|guasap|wickr|kik|wechat|viber|snapchat|threema|session id"
        r"|signal (?:app|me|at|@)|on signal|dm me|text me|escribeme|contactame|mensaje directo)\b|\bt\.me\b",
        keys="telegram|whats|wats|wasap|guasap|wickr|kik|wechat|viber|snapchat|threema|session id|signal|dm me|text me|escribeme|contactame|mensaje directo|t.me",
    ),
    _rule(
        "no_prescription",
        "buying without prescription",
        BOTH,
        r"\b(?:without (?:a |any )?(?:prescription|rx|script|doctor)|no (?:prescription|rx|script)"
        r"(?: needed| required)?|sin (?:receta|prescripcion)|prescription free|over the counter k|sem receita"
        r"|ohne rezept|sans ordonnance|bez recepty|recetesiz|khong can [dđ]on thuoc|без рецепта)\b"
        r"|无需处方|不需要处方|免处方|بدون وصفة",
        keys="without|no prescription|no rx|no script|sin receta|sin prescripcion|prescription free|over the counter k|sem receita|ohne rezept|sans ordonnance|bez recepty|recetesiz|khong can|без рецепта|无需处方|不需要处方|免处方|بدون وصفة",
    ),
    _rule(
        "seller",
        "a seller offering to supply",
        SPAM,
        r"\b(?:i|we) (?:also |can |will |)(?:sell|ship|supply|deliver|post it|mail (?:it|them|vials|kits?)"
        r"|send (?:vials|it|them|kits?|some)|get you (?:some|it|the same))\b"
        r"|\b(?:i'?m|i am) (?:a |the |your |)(?:vendor|supplier|dealer|plug|distributor|supply)\b"
        r"|\b(?:vendor|supplier|dealer|plug|supplier and \w+) here\b|\b(?:vending|selling|dealing) (?:k|ket|ketamine|on|for|since)\b"
        r"|\bships? (?:anywhere|worldwide|to all|to any)\b|\bmenu (?:in|on|updated|\+)|\bpgp\b|\bescrow\b"
        r"|\b(?:dm|ask|message|text|hit) me\b[^.!?\n]{0,30}\b(?:his|her|their|the|my) (?:number|contact|link|details|@|info|menu|prices?)"
        r"|\b(?:i'?ll|i will|i can) (?:give|send|pass|dm) (?:you )?(?:his|her|their|the) (?:number|contact|link|details|info)\b"
        r"|\bhmu\b|\bhit me up\b|\bmy (?:guy|plug|supplier|dealer|source)'?s? (?:number|contact|@|ships|has)"
        r"|\b(?:lo|la|los|las) (?:mando|envio|vendo|consigo) yo\b|\byo (?:te )?(?:la|lo|las|los) (?:vendo|mando|envio|consigo)\b"
        r"|\bte (?:la|lo|las|los) (?:mando|envio|consigo)\b|\bsoy (?:proveedor|vendedor|distribuidor)\b"
        r"|\bte paso (?:el|su) (?:numero|contacto)\b|\bmi (?:proveedor|plug|dealer)\b|\bsou fornecedor\b|\bfornecedor de\b"
        r"|\bmando para (?:todo|qualquer)\b|\b(?:la |lo )?spedisco\b|\bje vends\b|\bj'expedie\b|\bich (?:verkaufe|schicke)\b"
        r"|\bпродаю\b|\bотправлю\b",
        # Each alternative's own words, not "i " or "my ", which nearly every comment has.
        keys="sell|ship|supply|deliver|post it|mail it|mail them|mail vials|mail kit|send|get you"
        "|vendor|supplier|dealer|plug|distributor|vending|dealing|menu|pgp|escrow"
        "|dm me|ask me|message me|text me|hit me|ll give|will give|can give|ll pass|will pass"
        "|can pass|ll dm|will dm|can dm|hmu|my guy|my source|mando|envio|vendo|consigo"
        "|proveedor|vendedor|distribuidor|te paso|fornecedor|spedisco|vends|expedie|verkaufe"
        "|schicke|продаю|отправлю",
    ),
    _rule(
        "private_contact",
        "asks readers to get in touch privately",
        SPAM,
        r"\b(?:lmk|pm me|inbox me|msg me|message me|dm me|hit me up|hmu|ask me (?:for|how)"
        r"|reply (?:with |')?(?:info|yes)|drop me (?:a |an )?(?:line|message|dm|note)"
        r"|(?:i|we) (?:can|could|will|'ll) hook you up|escribanme|escribeme|me escriben|me escribes"
        r"|mandame (?:un )?(?:mensaje|dm|md|privado|inbox)|por (?:privado|interno|inbox|md|dm)"
        r"|al (?:privado|md|dm)|(?:te|les) paso (?:el|su|los|la)|preguntame|pregunteme|preguntenme"
        r"|chama no|me chama|manda (?:mensagem|dm|direct)|no (?:direct|privado|pv)|scrivimi|contattami"
        r"|in privato|ecri(?:s|vez)[- ]moi|contactez[- ]moi|en (?:prive|mp)|schreib mir|melde dich"
        r"|per pn|mandenme (?:un )?(?:mensaje|dm|md|privado)|chatea conmigo|pm mo|(?:pisz|napisz) na priv)\b",
        keys="lmk|pm me|inbox me|msg me|message me|dm me|hit me up|hmu|ask me|reply with|reply '"
        "|reply info|reply yes|drop me|hook you up|escribanme|escribeme|me escrib|mandame"
        "|por privado|por interno|por inbox|por md|por dm|al privado|al md|al dm|te paso"
        "|les paso|preguntame|pregunteme|preguntenme|chama no|me chama|manda mensagem"
        "|manda dm|manda direct|no direct|no privado|no pv|scrivimi|contattami|in privato"
        "|s-moi|s moi|z-moi|z moi|en prive|en mp|schreib mir|melde dich|per pn|mandenme"
        "|chatea conmigo|pm mo|na priv",
    ),
    _rule(
        "handle",
        "a social media handle",
        SPAM,
        r"(?<![\w@])@[a-z0-9]*[_.\d][a-z0-9_.]*[a-z0-9]|\b(?:insta|ig|snap|sc|tg|kik|wickr|discord|tiktok)\b ?:? ?@?[a-z0-9_.]*[_\d]",
        # After "ig", "sc" or "tg" comes a space, ":", "@", "." or nothing ("big", "disc" never
        # match); a handle has "@", "_" or a digit.
        needs=r"[@_\d]",
        keys="@|insta|ig |ig:|ig.|snap|sc |sc:|sc.|tg |tg:|tg.|kik|wickr|discord|tiktok",
    ),
    _rule(
        "sales",
        "sales pitch",
        SPAM,
        r"\b(?:buy|order|purchase|shop|compra|comprar|pide|pedir|vendo|vendemos|we sell|for sale"
        r"|en venta|best price|mejor precio|cheap|barato|discount|descuento|promo|coupon|cupon"
        r"|free shipping|envio gratis|discreet (?:shipping|delivery)|envio discreto|\d+ ?% off)\b",
        keys="buy|order|purchase|shop|compra|pide|pedir|vend|we sell|for sale|en venta|best price|mejor precio|cheap|barato|discount|descuento|promo|coupon|cupon|free shipping|envio|discreet|% off",
    ),
    _rule(
        "seo",
        "SEO or marketing pitch",
        SPAM,
        r"\b(?:backlinks?|seo|guest posts?|page rank|rank(?:ing)? higher|more traffic|your website"
        r"|your site|your blog|visit my (?:site|blog|page|website)|check out my|mi (?:blog|web|pagina))\b",
        keys="backlink|seo|guest post|page rank|rank|traffic|your website|your site|your blog|visit my|check out my|mi blog|mi web|mi pagina",
    ),
    _rule(
        "site_software",
        "asks about the site's software, a bot's opener",
        SPAM,
        r"\b(?:theme|themes|hosting|hosts? (?:your|do you|are you)|web ?host|plugins?|platform"
        r"|wordpress|plantilla|servidor|captcha|template|blogger|drupal|joomla|wix|squarespace"
        r"|blogengine)\b",
        # Not "host" alone: "hospital" has it, and most comments here name one.
        keys="theme|hosting|hosts your|host your|host do you|hosts do you|host are you"
        "|hosts are you|webhost|web host|plugin|platform|wordpress|plantilla|servidor|captcha"
        "|template|blogger|drupal|joomla|wix|squarespace|blogengine",
    ),
    _rule(
        "money",
        "money or gambling offer",
        SPAM,
        r"\b(?:crypto|bitcoin|btc|forex|casino|betting|apuestas|slots?|loans?|prestamos?|invest(?:ment)?"
        r"|inversion|earn \$|gana dinero|make money|passive income|trading|recovery expert|hacker)\b",
        keys="crypto|bitcoin|btc|forex|casino|betting|apuestas|slot|loan|prestamo|invest|inversion|earn $|gana dinero|make money|passive income|trading|recovery expert|hacker",
    ),
    _rule(
        "dosing",
        "dosing instruction",
        CLAIM,
        rf"{IMPERATIVE}[^.?!\n]{{0,40}}{DOSE}|{DOSE}[^.?!\n]{{0,30}}\b(?:every|each|twice|a day|per day"
        r"|daily|at home|nightly|cada|al dia|diario|en casa)\b",
        needs=DOSE,  # every match has a dose: a number and its unit
    ),
    _rule(
        "stop_medication",
        "stop your medication",
        CLAIM,
        rf"\b{NOT_NEGATED}(?:stop|quit|ditch|dump|toss|throw (?:away|out)|get off|come off|drop|skip|flush|ditch"
        rf"|don'?t need|no need for|won'?t need|no longer need|deja|dejar|dejen|tira|tirar|suspende"
        rf"|suspender|abandona|olvida(?:te)? de|no necesitas?)\b(?:\W+\w+){{0,3}}?\W+{MEDICATION}\b",
        keys="stop|quit|ditch|dump|toss|throw|get off|come off|drop|skip|flush|need|dej|tira|suspend|abandona|olvida|necesit",
    ),
    _rule(
        "cure",
        "cure claim",
        CLAIM,
        rf"\b{NOT_DENIED}(?:cures?|cured|curing|heals? (?:everything|all|any)|reverses? (?:aging|ageing|age)"
        r"|cura|curan|curo|curara|curada|curado|sana todo|revierte (?:el )?envejecimiento"
        r"|miracle|milagro(?:so)?|heilt|geheilt|gueri\w*|leczy|wyleczy\w*|chua khoi|tersine cevir\w*"
        r"|лечит|излеч\w*|исцел\w*)\b|治愈|治好|根治|逆转|يعالج|علاج نهائي|شفاء",
        keys="cur|heal|revers|sana todo|revierte|miracle|milagro|heilt|gueri|leczy|chua khoi|tersine cevir|лечит|излеч|исцел|治愈|治好|根治|逆转|يعالج|علاج نهائي|شفاء",
    ),
    _rule(
        "guarantee",
        "guaranteed outcome",
        CLAIM,
        rf"\b{NOT_DENIED}(?:guaranteed?|garantizad[oa]s?|garantia|100 ?%|works for every(?:one|body)|funciona para todos"
        r"|will be (?:pain|depression|symptom)[ -]?free|for good|forever|permanently|para siempre"
        r"|never (?:again|come back)|nunca (?:mas|vuelve)|garantiert|garanti|gwarant\w*|dam bao|vinh vien"
        r"|навсегда|гарантир\w*)\b|保证|永久|مضمون|نهائي",
        keys="guarantee|garantiz|garantia|100|works for every|funciona para todos|free|for good|forever|permanently|para siempre|never|nunca|garanti|gwarant|dam bao|vinh vien|навсегда|гарантир|保证|永久|مضمون|نهائي",
    ),
    _rule(
        "street_ketamine",
        "street or online ketamine",
        CLAIM,
        r"\b(?:street (?:k|ketamine)|dealer|from a (?:friend|guy|buddy)|vet(?:erinary)? (?:k|ketamine)"
        r"|horse tranq\w*|dark ?web|special k|buy (?:k|ketamine|it) online|en la calle|un camello"
        r"|de un amigo|ketamina (?:de )?veterinaria|por internet)\b",
        keys="street|dealer|from a |vet|horse tranq|dark|special k|online|en la calle|un camello|de un amigo|veterinaria|por internet",
    ),
    _rule(
        "combination",
        "dangerous combination called safe",
        CLAIM,
        r"\b(?:alcohol|booze|drinks?|beers?|wine|benzos?|xanax|valium|opioids?|oxy\w*|tramadol|maois?"
        r"|cerveza|vino|copas?)\b[^.?!\n]{0,60}\b(?:safe|fine|ok(?:ay)?|no problem|no big deal|harmless"
        r"|seguro|sin problema|no pasa nada|tranquilo)\b",
        keys="alcohol|booze|drink|beer|wine|benzo|xanax|valium|opioid|oxy|tramadol|maoi|cerveza|vino|copa",
    ),
    _rule(
        "no_risk",
        "no-risk claim",
        CLAIM,
        r"\b(?:not (?:at all )?addictive|isn'?t addictive|zero (?:risk|side effects)|no side effects"
        r"|completely safe|totally safe|100 ?% safe|harmless|no risks?|sin efectos secundarios"
        r"|no es adictiv[oa]|totalmente segur[oa]|cero riesgos?|sin riesgos?)\b",
        keys="addictive|zero|no side effects|safe|harmless|no risk|sin efectos secundarios|no es adictiv|segur|cero riesgo|sin riesgo",
    ),
    _rule(
        "offer",
        "commercial offer",
        SPAM,
        r"\b(?:book (?:now|today|online|yours?|a|at)|reserv[ae] (?:ya|hoy|tu|en|aqui)|agend[ae] (?:tu|ya|hoy)"
        r"|escribenos|contactanos|llamanos|call (?:us|now|today)|we (?:ship|deliver|offer|sell|mail|pay|help|build)"
        r"|our (?:clinic|cent(?:er|re)|team|products?|services?|program|retreat|store|shop|protocol|drips?|formula"
        r"|agents|lawyers|agency|platform|app|kit|cream|patch|capsules|gel|troches|lozenges|tincture|serum)"
        r"|nuestr[oa]s? (?:clinica|centro|tienda|productos?|servicios?|programa|sueros?|equipo|abogados|gotas)"
        r"|free (?:trial|consult\w*|audit|session|spins|delivery|shipping)|consulta gratis|primera (?:sesion|visita|consulta)"
        r"|first (?:session|visit|consult\w*|one) (?:free|half)|use code|codigo|today only|money back|limited offer"
        r"|envios? (?:a|discretos?)|shipping|stealth|in stock|franchise|wholesale|bulk)\b",
        keys="book|reserv|agend|escribenos|contactanos|llamanos|call|we |our |nuestr|free|consulta gratis|primera|first|use code|codigo|today only|money back|limited offer|envio|shipping|stealth|in stock|franchise|wholesale|bulk",
    ),
    _rule(
        "self_promotion",
        "self-promotion",
        SPAM,
        r"\b(?:follow (?:me|back|for)|f4f|sigueme|siganme|seguime|me segue|me sigues|te sigo|ya te sigo"
        r"|(?:my|mi|meu) (?:channel|youtube|instagram|insta|tiktok|profile|canal|perfil|ebook|course|curso|agency)"
        r"|link in (?:bio|my profile)|check (?:out )?my (?:profile|page|channel)|subscribe to my|visit (?:my|our))\b",
        keys="follow|f4f|sigueme|siganme|seguime|me segue|me sigues|te sigo|channel|youtube|insta|tiktok|profile|canal|perfil|ebook|course|curso|agency|link in|check|subscribe to my|visit",
    ),
    _rule(
        "price",
        "a price",
        (),
        r"[$€£] ?\d|\d ?€|\d ?(?:usd|eur|euros|dolares|pesos|bucks)\b",
        needs=r"\d",
        keys="$|€|£|usd|eur|dolares|pesos|bucks",
    ),
    _rule("question", "a question", (), r"\?"),
    _rule(
        "caution",
        "a caution",
        (),
        r"\b(?:(?:ask|asked|check with|talk (?:to|with)|consult(?: with)?|tell) (?:your|my|the|a) (?:doctor|doc|psychiatrist"
        r"|prescriber|pharmacist|nurse|clinic|gp|provider|care team)|(?:please )?(?:don'?t|do not|never|no) (?:\w+ ){0,3}"
        r"(?:on your own|by yourself|without (?:asking|talking|your doctor))|please (?:don'?t|do not|never)|por favor,? no"
        r"|no (?:compren|mezclen|dejen|lo hagan)|(?:pregunta|consulta|consulten|pregunten)(?:le)? (?:a|con) (?:tu|su) "
        r"(?:medico|psiquiatra|doctor)|por (?:tu|su) cuenta|terrible idea|not safe|no es seguro|dangerous|peligros\w*)\b",
        keys="ask|check with|talk|consult|tell|on your own|by yourself|without|please|por favor|no compren|no mezclen|no dejen|no lo hagan|pregunt|por tu cuenta|por su cuenta|terrible idea|not safe|no es seguro|dangerous|peligros",
    ),
    _rule(
        "hedged",
        "a modest or hedged experience",
        (),
        r"\b(?:not (?:a|the) (?:cure|miracle)|(?:isn'?t|wasn'?t) (?:a |the )?(?:cure|miracle)|no (?:es|fue) (?:una |la )?"
        r"(?:cura|milagro)|didn'?t cure|not cured|no me curo|(?:small|modest|little|slight|some) (?:improvement|help|difference|push)"
        r"|a (?:bit|little)|un poco|algo mejor|hard to say|who knows|placebo|so far|hasta ahora|for me|para mi|mejoria pequena"
        r"|i'?d say|no se si)\b|['\"](?:cured?|miracle)['\"]",
        keys="cur|miracle|milagro|improvement|help|difference|push|a bit|a little|un poco|algo mejor|hard to say|who knows|placebo|so far|hasta ahora|for me|para mi|mejoria pequena|d say|no se si",
    ),
    # A reader warning others about sellers quotes their words ("the 'dm me' comments are
    # sellers", "someone offered me vials on Telegram, reported"): evidence against spam.
    _rule(
        "warning",
        "a warning about sellers",
        (),
        r"\b(?:scam\w*|estafa\w*|golpe|golpista\w*|arnaqu\w*|escroc\w*|truff\w*|betrug\w*"
        r"|oplichting|oszust\w*|reported|report (?:them|it|these)|denuncie|lo reporte"
        r"|segnalat[oa]|ho segnalato|gemeld|gemeldet|signale|bloque\w*|blocked|beware|cuidado con"
        r"|ojo con|don'?t fall for|no caigan|don'?t (?:buy|send money|reply)|no compren"
        r"|nao comprem|non comprate|vorsicht|attention aux|attenzione)\b",
        keys="scam|estafa|golpe|golpista|arnaqu|escroc|truff|betrug|oplichting|oszust|report"
        "|denuncie|segnalat|gemeld|signale|bloque|blocked|beware|cuidado con|ojo con|fall for"
        "|no caigan|t buy|send money|t reply|no compren|nao comprem|non comprate|vorsicht"
        "|attention aux|attenzione",
    ),
    _rule(
        "doctor_plan",
        "a doctor's plan reported",
        (),
        r"\b(?:my|mi|her|his|our|the) (?:doctor|doc|psychiatrist|neurologist|pain doctor|anesthesiologist|np|nurse|gp"
        r"|endocrinologist|prescriber|medico|medica|psiquiatra|neurologo|doctora|endocrinologo|enfermera)\b[^.?!\n]{0,40}"
        r"\b(?:said|says|told|tells|wants|has me|recommended|explained|plans?|prescribed|dijo|dice|quiere|recomendo|explico"
        r"|me puso|me pusieron)\b",
        keys="doc|psychiatrist|neurolog|pain doctor|anesthesiolog|np|nurse|gp|endocrinolog|prescriber|medic|psiquiatra|enfermera",
    ),
)

#: Rules that are evidence for no label, only against a claim: the model weighs them.
#: (A price says nothing about a claim; a warning about sellers speaks against spam.)
COUNTER_EVIDENCE: tuple[Rule, ...] = tuple(
    rule for rule in RULES if not rule.labels and rule.name not in ("price", "warning")
)


def _key_automaton() -> Any:
    """Every rule's keys in one Aho-Corasick automaton: one pass finds the rules worth trying."""
    automaton = ahocorasick.Automaton()
    for key in {key for rule in RULES for key in rule.keys}:
        automaton.add_word(key, key)
    automaton.make_automaton()
    return automaton


KEYS = _key_automaton()


def rule_hits(normalized: str) -> list[Rule]:
    """The rules `normalized` matches, in the order of RULES (as `Rule.matches` decides)."""
    found = {key for _, key in KEYS.iter(normalized)} if normalized else set()
    return [
        rule
        for rule in RULES
        if (not rule.keys or not found.isdisjoint(rule.keys))
        and (rule.needs is None or rule.needs.search(normalized) is not None)
        and rule.pattern.search(normalized) is not None
    ]


def link_count(normalized: str) -> int:
    return normalized.count("urltoken")


def reasons_for(label: str, normalized: str, hits: Sequence[Rule] | None = None) -> list[str]:
    """Plain-word reasons for one label, e.g. ["3 links", "phone number"]."""
    hits = rule_hits(normalized) if hits is None else hits
    reasons = []
    if label == "spam":
        links = link_count(normalized)
        if links:
            reasons.append("a link" if links == 1 else f"{links} links")
    reasons.extend(rule.reason for rule in hits if label in rule.labels)
    return reasons
