## Layout
site-name = Оңалту: оңалту қызметтері
skip-to-content = Негізгі мазмұнға өту
nav-main = Басты мәзір
nav-language = Тіл
nav-centres = Орталықтар және рейтинг
nav-methodology = Рейтинг қалай есептеледі
nav-my-services = Менің қызметтерім
nav-my-evaluations = Менің бағаларым
nav-my-complaints = Менің шағымдарым
nav-my-trips = Менің инватакси сапарларым
nav-dispatch = Диспетчерлік тақта
nav-driver = Менің күнім
nav-moderation = Модерация
nav-complaints = Шағымдар
nav-coordinator = Көрсеткіштер мен рейтинг
nav-staff = Менің орталығым
sign-in = Кіру
sign-out = Шығу
footer-about = Оңалту — мүгедектігі бар адамдар мен олардың отбасыларына арналған қалалық қызмет: оңалту орталықтары, олардың рейтингі, пікірлер және инватакси.

## Errors
error-sign-in-title = Жалғастыру үшін кіріңіз
error-sign-in = Бұл бетте сіздің жеке мәліметтеріңіз бар. Оларды көру үшін кіріңіз.
error-forbidden-title = Бұл бет сізге қолжетімсіз
error-forbidden = Сіздің есептік жазбаңыз бұл бетке кіруге рұқсат бермейді.
error-not-found-title = Бет табылмады
error-not-found = Мұндай бет немесе жазба жоқ. Мекенжайды тексеріңіз немесе орталықтар тізімінен бастаңыз.
error-unavailable-title = Кешіріңіз, қызмет қолжетімсіз
error-unavailable = Қызметтің бір бөлігі қазір жауап бермей тұр. Жіберген мәліметтеріңіз жоғалған жоқ; бірнеше минуттан кейін қайталап көріңіз.
error-csrf-title = Форманың мерзімі өтті
error-csrf = Форма ескі немесе бөгде беттен жіберілді. Бетті қайта ашып, форманы тағы бір рет жіберіңіз.
error-bad-request-title = Сұрау түсініксіз
error-bad-request = Мекенжай немесе форма толық емес. Бетті мәзірден қайта ашыңыз.
error-internal-title = Кешіріңіз, қате орын алды
error-internal = Біз жақтағы ақаудан бет көрсетілмеді. Кейінірек қайталап көріңіз.
error-back-home = Орталықтар тізіміне өту

## Forms
title-with-errors = Қате: { $title }
error-prefix = Қате:
form-errors-title = Қателер бар
