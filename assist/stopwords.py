"""Words that say nothing about what a visitor asks, in English and Indonesian.

Besides the usual function words, the question frames ("how long", "berapa lama") and the
small talk of a support chat ("hi kak", "tolong", "thanks") are here: they are in nearly
every question and would make any passage look like an answer.
"""


def _words(listing: str) -> frozenset[str]:
    return frozenset(listing.split())


ENGLISH = _words(
    """
    a about above after again against all also am an and any anyone anything are as at
    awesome be because been before being below between both btw but by can cool could
    did didn do does doesn doing don down during each few for from further get good got
    great had haha has have having he hehe hello her here hers herself hey hi him
    himself his hmm how i if im in into is isn it its itself just know let like lol long
    many may me might more most much must my myself need nice no nor not now of off oh
    ok okay on once one only or other our ours ourselves out over own perfect please pls
    same shall she should so some someone something sorry still such sure tell than
    thank thanks that the their theirs them themselves then there these they this those
    through thx to too under until up us use using very via want was wasn way we were
    what when where which while who whom why will with won wonderful would wow yeah yes
    yet you your yours yourself yourselves
    """
)

INDONESIAN = _words(
    """
    ada adakah adalah agar akan aku anda apa apakah atau bagaimana bagaimanakah bagi
    bagus bahwa banyak beberapa belum berapa berapakah bisa bisakah blm boleh buat dalam
    dan dari darimana deh dengan di dia dimana dong enggak ga gak gan gimana hai hallo
    halo hanya harus ini itu iya jadi jika juga kak kakak kalau kami kamu kan kapan
    karena kasih ke kemana kenapa ketika kita lagi lah lama lewat maaf makasih malam
    mana mantap masih mau maupun mengapa mereka min mohon nggak nih nya oke oleh pada
    pagi pakai pake para pun saja sama saya sdh sebagai sedang sejak sekarang selama
    selamat semua sendiri seperti siang siapa sih sip sis sore sudah supaya tapi tdk
    tentang terima tersebut tidak tolong udah untuk wkwk ya yang
    """
)

STOPWORDS = ENGLISH | INDONESIAN
