## Centres
centres-title = Rehabilitation centres and their rating
centres-search = Search by name
centres-filter = Show centres
centres-found = { $n ->
    [one] { $n } centre found
   *[other] { $n } centres found
}
evaluations-count = { $n ->
    [one] { $n } evaluation
   *[other] { $n } evaluations
}
