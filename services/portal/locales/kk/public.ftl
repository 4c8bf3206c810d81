## Centres
centres-title = Оңалту орталықтары және олардың рейтингі
centres-search = Атауы бойынша іздеу
centres-filter = Орталықтарды көрсету
centres-found = { $n } орталық табылды
evaluations-count = { $n } баға
