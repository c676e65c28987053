"""Demo data of shaped registration: the upcoming working group of 2027, built as a coordinator would."""

from datetime import date, datetime, time, timedelta

from app.events import services as events
from app.events.models import Event
from app.events.translations import TranslationData, save_translation
from app.registrations import services
from app.types import utcnow

WORKSHOPS = (
    "Workshop I: Ideation",
    "Workshop II: Consolidation",
    "Workshop III: Solutions",
    "Workshop IV: Opportunities",
)


def seed_working_group_2027(desk_id: int) -> Event:
    """Four workshops for 19 municipalities, at most two people each, who choose their workshops;
    speakers by invitation; a question about their municipality's challenges. Open without approval."""
    first = max(date(2027, 3, 2), utcnow().date() + timedelta(days=30))
    sessions = [
        events.SessionData(
            title=title,
            local_start=datetime.combine(first + timedelta(weeks=n), time(9)),
            local_end=datetime.combine(first + timedelta(weeks=n), time(13)),
        )
        for n, title in enumerate(WORKSHOPS)
    ]
    event = events.create_event(
        events.EventData(
            title=f"Digitalisation Working Group {first.year}",
            timezone="Europe/Belgrade",
            desk_id=desk_id,
            sessions=sessions,
            slug=f"digitalisation-working-group-{first.year}",
            programme="Digitalisation Working Group",
            summary="Four 4-hour online workshops for 19 municipalities: choose the workshops you attend, "
            "at most two people per municipality.",
            description="The working group meets again: practitioners from 19 municipalities turn shared "
            "challenges into proposals for digital municipal services. Register for the workshops you can "
            "attend; speakers are invited by the coordinators.",
            language="en",
            capacity=48,
        )
    )
    services.save_rules(
        event,
        services.RulesData(
            organisation_limit=2,
            session_choice=True,
            session_capacities={s.id: 38 for s in event.sessions},
        ),
    )
    municipal = services.save_category(
        event,
        services.CategoryData(
            "Municipal participant", "Staff of one of the 19 municipalities.", capacity=38, approval_required=False
        ),
    )
    speaker = services.save_category(
        event, services.CategoryData("Speaker", "Invited speakers and moderators.", capacity=10, invitation_only=True)
    )
    challenges = services.save_question(
        event,
        services.QuestionData(
            "long_text",
            "Which challenges does your municipality face?",
            help_text="A few sentences: the workshops start from them.",
            required=True,
            max_value=1500,
        ),
    )
    topics = services.save_question(
        event,
        services.QuestionData(
            "multiple_choice",
            "Which topics interest you?",
            options=["E-services", "Open data", "Digital participation", "Cybersecurity", "Smart mobility"],
        ),
    )
    # The form in the languages the municipalities read: (categories, challenges question, topics question).
    for language, (categories, (label, help_text), (topics_label, options)) in FORM_TRANSLATIONS.items():
        title, summary, description, workshops = WORKING_GROUP_TRANSLATIONS[language]
        save_translation(
            event,
            language,
            TranslationData(
                title=title.format(year=first.year),
                summary=summary,
                description=description,
                session_titles={s.id: t for s, t in zip(event.sessions, workshops, strict=True)},
                category_texts={
                    category.id: {"name": name, "description": description}
                    for category, (name, description) in zip((municipal, speaker), categories, strict=True)
                },
                question_texts={
                    challenges.id: {"label": label, "help": help_text},
                    topics.id: {"label": topics_label, "options": list(options)},
                },
            ),
        )
    events.publish_event(event)
    return event


# Per language: the working group's title, summary, description and its workshops' titles.
WORKING_GROUP_TRANSLATIONS = {
    "de": (
        "Arbeitsgruppe Digitalisierung {year}",
        "Vier vierstündige Online-Workshops für 19 Kommunen: Wählen Sie die Workshops, an denen Sie teilnehmen, "
        "höchstens zwei Personen pro Kommune.",
        "Die Arbeitsgruppe trifft sich wieder: Fachleute aus 19 Kommunen machen aus gemeinsamen Herausforderungen "
        "Vorschläge für digitale kommunale Dienste. Melden Sie sich für die Workshops an, an denen Sie teilnehmen "
        "können; Referentinnen und Referenten laden die Koordinatorinnen und Koordinatoren ein.",
        ("Workshop I: Ideenfindung", "Workshop II: Konsolidierung", "Workshop III: Lösungen", "Workshop IV: Chancen"),
    ),
    "ka": (
        "ციფრიზაციის სამუშაო ჯგუფი {year}",
        "ოთხი 4-საათიანი ონლაინ სემინარი 19 მუნიციპალიტეტისთვის: აირჩიეთ სემინარები, რომლებსაც დაესწრებით; "
        "თითო მუნიციპალიტეტიდან არაუმეტეს ორი ადამიანი.",
        "სამუშაო ჯგუფი კვლავ იკრიბება: 19 მუნიციპალიტეტის პრაქტიკოსები საერთო გამოწვევებს ციფრული მუნიციპალური "
        "სერვისების წინადადებებად აქცევენ. დარეგისტრირდით იმ სემინარებზე, რომლებსაც შეძლებთ დაესწროთ; "
        "მომხსენებლებს კოორდინატორები იწვევენ.",
        (
            "სემინარი I: იდეების გენერირება",
            "სემინარი II: კონსოლიდაცია",
            "სემინარი III: გადაწყვეტილებები",
            "სემინარი IV: შესაძლებლობები",
        ),
    ),
    "uk": (
        "Робоча група з цифровізації {year}",
        "Чотири чотиригодинні онлайн-семінари для 19 муніципалітетів: оберіть семінари, у яких братимете участь, "
        "не більше двох осіб від муніципалітету.",
        "Робоча група збирається знову: практики з 19 муніципалітетів перетворюють спільні виклики на пропозиції "
        "щодо цифрових муніципальних послуг. Зареєструйтеся на семінари, які зможете відвідати; доповідачів "
        "запрошують координатори.",
        ("Семінар I: Генерування ідей", "Семінар II: Консолідація", "Семінар III: Рішення", "Семінар IV: Можливості"),
    ),
    "ru": (
        "Рабочая группа по цифровизации {year}",
        "Четыре четырёхчасовых онлайн-семинара для 19 муниципалитетов: выберите семинары, в которых будете "
        "участвовать, не более двух человек от муниципалитета.",
        "Рабочая группа собирается снова: практики из 19 муниципалитетов превращают общие вызовы в предложения "
        "по цифровым муниципальным услугам. Зарегистрируйтесь на семинары, которые сможете посетить; докладчиков "
        "приглашают координаторы.",
        ("Семинар I: Генерация идей", "Семинар II: Консолидация", "Семинар III: Решения", "Семинар IV: Возможности"),
    ),
    "ro": (
        "Grupul de lucru pentru digitalizare {year}",
        "Patru ateliere online de câte 4 ore pentru 19 municipalități: alegeți atelierele la care participați, "
        "cel mult două persoane din fiecare municipalitate.",
        "Grupul de lucru se reunește din nou: practicieni din 19 municipalități transformă provocările comune în "
        "propuneri pentru servicii municipale digitale. Înscrieți-vă la atelierele la care puteți participa; "
        "vorbitorii sunt invitați de coordonatori.",
        (
            "Atelierul I: Generarea ideilor",
            "Atelierul II: Consolidare",
            "Atelierul III: Soluții",
            "Atelierul IV: Oportunități",
        ),
    ),
    "sq": (
        "Grupi i punës për digjitalizimin {year}",
        "Katër seminare online me nga 4 orë për 19 bashki: zgjidhni seminaret që do të ndiqni, jo më shumë se dy "
        "persona për bashki.",
        "Grupi i punës mblidhet sërish: praktikues nga 19 bashki i shndërrojnë sfidat e përbashkëta në propozime "
        "për shërbime bashkiake digjitale. Regjistrohuni për seminaret që mund të ndiqni; folësit i ftojnë "
        "koordinatorët.",
        (
            "Seminari I: Gjenerimi i ideve",
            "Seminari II: Konsolidimi",
            "Seminari III: Zgjidhjet",
            "Seminari IV: Mundësitë",
        ),
    ),
    "mk": (
        "Работна група за дигитализација {year}",
        "Четири онлајн работилници од по 4 часа за 19 општини: изберете ги работилниците на кои ќе присуствувате, "
        "најмногу двајца луѓе од општина.",
        "Работната група повторно се среќава: практичари од 19 општини ги претвораат заедничките предизвици во "
        "предлози за дигитални општински услуги. Пријавете се за работилниците на кои можете да присуствувате; "
        "говорниците ги покануваат координаторите.",
        (
            "Работилница I: Генерирање идеи",
            "Работилница II: Консолидација",
            "Работилница III: Решенија",
            "Работилница IV: Можности",
        ),
    ),
    "sr_Latn": (
        "Radna grupa za digitalizaciju {year}",
        "Četiri onlajn radionice od po 4 sata za 19 opština: izaberite radionice kojima ćete prisustvovati, "
        "najviše dve osobe po opštini.",
        "Radna grupa se ponovo sastaje: praktičari iz 19 opština pretvaraju zajedničke izazove u predloge za "
        "digitalne opštinske usluge. Prijavite se za radionice kojima možete da prisustvujete; govornike pozivaju "
        "koordinatori.",
        (
            "Radionica I: Generisanje ideja",
            "Radionica II: Konsolidacija",
            "Radionica III: Rešenja",
            "Radionica IV: Mogućnosti",
        ),
    ),
    "hy": (
        "Թվայնացման աշխատանքային խումբ {year}",
        "Չորս 4-ժամյա առցանց սեմինար 19 համայնքների համար․ ընտրեք այն սեմինարները, որոնց կմասնակցեք, "
        "յուրաքանչյուր համայնքից առավելագույնը երկու մարդ։",
        "Աշխատանքային խումբը կրկին հավաքվում է․ 19 համայնքների մասնագետները ընդհանուր մարտահրավերները վերածում են "
        "թվային համայնքային ծառայությունների առաջարկների։ Գրանցվեք այն սեմինարներին, որոնց կարող եք մասնակցել․ "
        "բանախոսներին հրավիրում են համակարգողները։",
        (
            "Սեմինար I․ Գաղափարների ստեղծում",
            "Սեմինար II․ Համախմբում",
            "Սեմինար III․ Լուծումներ",
            "Սեմինար IV․ Հնարավորություններ",
        ),
    ),
    "az": (
        "Rəqəmsallaşma üzrə işçi qrupu {year}",
        "19 bələdiyyə üçün dörd 4 saatlıq onlayn seminar: iştirak edəcəyiniz seminarları seçin, hər bələdiyyədən "
        "ən çox iki nəfər.",
        "İşçi qrupu yenidən toplanır: 19 bələdiyyədən olan praktiklər ümumi çağırışları rəqəmsal bələdiyyə "
        "xidmətləri üçün təkliflərə çevirirlər. İştirak edə biləcəyiniz seminarlara qeydiyyatdan keçin; "
        "məruzəçiləri koordinatorlar dəvət edir.",
        (
            "Seminar I: İdeyaların yaradılması",
            "Seminar II: Konsolidasiya",
            "Seminar III: Həllər",
            "Seminar IV: İmkanlar",
        ),
    ),
}

# Per language: the two categories (name, description), the challenges question (label, help text) and the
# topics question (label, its five options in the original's order).
FORM_TRANSLATIONS = {
    "de": (
        (
            ("Vertretung einer Kommune", "Mitarbeitende einer der 19 Kommunen."),
            ("Referentin oder Referent", "Eingeladene Referentinnen, Referenten und Moderierende."),
        ),
        ("Vor welchen Herausforderungen steht Ihre Kommune?", "Ein paar Sätze: Die Workshops gehen von ihnen aus."),
        (
            "Welche Themen interessieren Sie?",
            ("E-Services", "Offene Daten", "Digitale Beteiligung", "Cybersicherheit", "Intelligente Mobilität"),
        ),
    ),
    "ka": (
        (
            ("მუნიციპალიტეტის წარმომადგენელი", "19 მუნიციპალიტეტიდან ერთ-ერთის თანამშრომლები."),
            ("მომხსენებელი", "მოწვეული მომხსენებლები და მოდერატორები."),
        ),
        (
            "რა გამოწვევების წინაშე დგას თქვენი მუნიციპალიტეტი?",
            "რამდენიმე წინადადება: სემინარები სწორედ მათგან დაიწყება.",
        ),
        (
            "რომელი თემები გაინტერესებთ?",
            ("ელექტრონული სერვისები", "ღია მონაცემები", "ციფრული მონაწილეობა", "კიბერუსაფრთხოება", "ჭკვიანი მობილობა"),
        ),
    ),
    "uk": (
        (
            ("Представник муніципалітету", "Працівники одного з 19 муніципалітетів."),
            ("Доповідач", "Запрошені доповідачі та модератори."),
        ),
        ("З якими викликами стикається ваш муніципалітет?", "Кілька речень: з них розпочнуться семінари."),
        (
            "Які теми вас цікавлять?",
            ("Електронні послуги", "Відкриті дані", "Цифрова участь", "Кібербезпека", "Розумна мобільність"),
        ),
    ),
    "ru": (
        (
            ("Представитель муниципалитета", "Сотрудники одного из 19 муниципалитетов."),
            ("Докладчик", "Приглашённые докладчики и модераторы."),
        ),
        ("С какими проблемами сталкивается ваш муниципалитет?", "Несколько предложений: с них начнутся семинары."),
        (
            "Какие темы вас интересуют?",
            ("Электронные услуги", "Открытые данные", "Цифровое участие", "Кибербезопасность", "Умная мобильность"),
        ),
    ),
    "ro": (
        (
            ("Participant din partea unei municipalități", "Personalul uneia dintre cele 19 municipalități."),
            ("Vorbitor", "Vorbitori și moderatori invitați."),
        ),
        (
            "Cu ce provocări se confruntă municipalitatea dumneavoastră?",
            "Câteva propoziții: atelierele pornesc de la ele.",
        ),
        (
            "Ce teme vă interesează?",
            (
                "Servicii electronice",
                "Date deschise",
                "Participare digitală",
                "Securitate cibernetică",
                "Mobilitate inteligentă",
            ),
        ),
    ),
    "sq": (
        (
            ("Pjesëmarrës nga një bashki", "Punonjës të njërës prej 19 bashkive."),
            ("Folës", "Folës dhe moderatorë të ftuar."),
        ),
        ("Me cilat sfida përballet bashkia juaj?", "Disa fjali: seminaret nisin prej tyre."),
        (
            "Cilat tema ju interesojnë?",
            (
                "Shërbime elektronike",
                "Të dhëna të hapura",
                "Pjesëmarrje dixhitale",
                "Siguri kibernetike",
                "Lëvizshmëri e zgjuar",
            ),
        ),
    ),
    "mk": (
        (
            ("Учесник од општина", "Вработени во една од 19-те општини."),
            ("Говорник", "Поканети говорници и модератори."),
        ),
        ("Со кои предизвици се соочува вашата општина?", "Неколку реченици: работилниците тргнуваат од нив."),
        (
            "Кои теми ве интересираат?",
            ("Е-услуги", "Отворени податоци", "Дигитално учество", "Сајбер безбедност", "Паметна мобилност"),
        ),
    ),
    "sr_Latn": (
        (
            ("Učesnik iz opštine", "Zaposleni u jednoj od 19 opština."),
            ("Govornik", "Pozvani govornici i moderatori."),
        ),
        ("Sa kojim izazovima se suočava vaša opština?", "Nekoliko rečenica: radionice polaze od njih."),
        (
            "Koje teme vas zanimaju?",
            ("E-usluge", "Otvoreni podaci", "Digitalno učešće", "Sajber bezbednost", "Pametna mobilnost"),
        ),
    ),
    "hy": (
        (
            ("Համայնքի ներկայացուցիչ", "19 համայնքներից մեկի աշխատակիցներ։"),
            ("Բանախոս", "Հրավիրված բանախոսներ և մոդերատորներ։"),
        ),
        (
            "Ինչպիսի՞ մարտահրավերների առջև է կանգնած Ձեր համայնքը։",
            "Մի քանի նախադասություն․ սեմինարները կսկսվեն դրանցից։",
        ),
        (
            "Ո՞ր թեմաներն են Ձեզ հետաքրքրում։",
            (
                "Էլեկտրոնային ծառայություններ",
                "Բաց տվյալներ",
                "Թվային մասնակցություն",
                "Կիբեռանվտանգություն",
                "Խելացի շարժունություն",
            ),
        ),
    ),
    "az": (
        (
            ("Bələdiyyə nümayəndəsi", "19 bələdiyyədən birinin əməkdaşları."),
            ("Məruzəçi", "Dəvət olunmuş məruzəçilər və moderatorlar."),
        ),
        ("Bələdiyyəniz hansı çətinliklərlə üzləşir?", "Bir neçə cümlə: seminarlar onlardan başlayır."),
        (
            "Hansı mövzular Sizi maraqlandırır?",
            ("Elektron xidmətlər", "Açıq məlumatlar", "Rəqəmsal iştirak", "Kibertəhlükəsizlik", "Ağıllı mobillik"),
        ),
    ),
}
