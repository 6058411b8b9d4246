"""A fixed set for measuring the retrieval: ten help-centre articles of a coffee roaster, each
in English and Indonesian (as Indonesian shops often write them), and visitors' questions
in both languages with the article that answers each, plus questions none of them answers.

The questions were written the way visitors type them, after the articles, and were not
tuned to the ranking: the test reports what this set gives.
"""

ARTICLES = {
    "shipping": (
        "Shipping and delivery / Pengiriman",
        """We ship from our roastery in Bandung with JNE, SiCepat and GoSend. Orders placed \
before 2 pm on a working day leave the same day. Delivery takes 1-2 days within Java \
(Jakarta, Bandung, Surabaya, Yogyakarta) and 2-5 days to Bali, Sumatra, Kalimantan, \
Sulawesi and Papua. GoSend same-day delivery is available in Bandung only.

Shipping costs Rp 15.000 within Java and Rp 30.000 to the other islands, and is free for \
orders over Rp 300.000. We do not ship outside Indonesia yet.

Kami mengirim dari roastery kami di Bandung lewat JNE, SiCepat, dan GoSend. Pesanan yang \
masuk sebelum jam 14.00 pada hari kerja dikirim hari itu juga. Lama pengiriman 1-2 hari \
untuk Pulau Jawa dan 2-5 hari ke Bali, Sumatra, Kalimantan, Sulawesi, dan Papua. GoSend \
sameday hanya untuk Bandung.

Ongkos kirim Rp 15.000 untuk Pulau Jawa dan Rp 30.000 ke luar Jawa, gratis ongkir untuk \
belanja di atas Rp 300.000. Saat ini kami belum bisa mengirim ke luar negeri.""",
    ),
    "payment": (
        "Payment methods / Metode pembayaran",
        """We accept bank transfer (BCA, Mandiri, BNI, BRI), QRIS, GoPay, OVO, DANA and \
ShopeePay, and Visa or Mastercard credit cards. Cash on delivery (COD) is not available. \
Transfers are confirmed automatically within 15 minutes; unpaid orders are cancelled after \
24 hours.

Kami menerima transfer bank (BCA, Mandiri, BNI, BRI), QRIS, GoPay, OVO, DANA, dan \
ShopeePay, serta kartu kredit Visa atau Mastercard. Pembayaran di tempat (COD) tidak \
tersedia. Transfer terkonfirmasi otomatis dalam 15 menit; pesanan yang belum dibayar \
dibatalkan setelah 24 jam.""",
    ),
    "returns": (
        "Returns and refunds / Pengembalian dan refund",
        """Unopened bags can be returned within 14 days of delivery for a full refund. If \
the coffee arrives damaged or we sent the wrong beans, send us a photo within 7 days and we \
replace it for free or refund you. Refunds are paid back to your bank account or e-wallet \
within 3-5 working days.

Kemasan yang belum dibuka bisa dikembalikan dalam 14 hari setelah diterima dengan \
pengembalian dana penuh. Jika kopi tiba dalam keadaan rusak atau kami salah mengirim biji \
kopi, kirim foto dalam 7 hari dan kami ganti gratis atau kami refund. Dana dikembalikan ke \
rekening bank atau dompet digital Anda dalam 3-5 hari kerja.""",
    ),
    "roasting": (
        "Roasting and freshness / Penyangraian dan kesegaran",
        """We roast every Monday and Thursday, and the roast date is printed on every bag. \
For the best flavour, drink the beans within 4 weeks of roasting and store them in an \
airtight container at room temperature, away from sunlight; do not keep beans in the fridge.

Kami menyangrai setiap hari Senin dan Kamis, dan tanggal sangrai tercetak di setiap \
kemasan. Agar rasanya paling enak, habiskan biji kopi dalam 4 minggu setelah disangrai dan \
simpan dalam wadah kedap udara di suhu ruang, jauh dari sinar matahari; jangan simpan biji \
kopi di kulkas.""",
    ),
    "grind": (
        "Grind size and brewing / Ukuran gilingan dan cara seduh",
        """Every coffee is available as whole beans or ground to order. Choose fine for \
espresso and moka pot, medium for pour-over (V60) and drip machines, and coarse for French \
press and cold brew. Whole beans stay fresh longest; grind just before brewing.

Setiap kopi tersedia dalam bentuk biji utuh atau digiling sesuai pesanan. Pilih gilingan \
halus untuk espresso dan moka pot, sedang untuk seduh manual (V60) dan mesin drip, dan \
kasar untuk French press dan cold brew. Biji utuh paling awet segar; giling sesaat sebelum \
menyeduh.""",
    ),
    "subscription": (
        "Coffee subscription / Langganan kopi",
        """Our subscription sends you a fresh 250 g or 500 g bag every 2 or 4 weeks, with \
10% off every delivery. You can pause, skip a delivery, change the coffee or cancel at any \
time from your account page, with no fee.

Dengan berlangganan, Anda menerima kemasan 250 g atau 500 g yang baru disangrai setiap 2 \
atau 4 minggu, dengan potongan 10% untuk setiap pengiriman. Langganan bisa dijeda, dilewati \
sekali, diganti kopinya, atau dihentikan kapan saja dari halaman akun Anda, tanpa biaya.""",
    ),
    "changes": (
        "Changing or cancelling an order / Mengubah atau membatalkan pesanan",
        """You can change the delivery address or cancel an order free of charge until it \
is roasted. Write to us in this chat with your order number. Once the coffee is roasted we \
can no longer cancel the order, but we can still change the address before it ships.

Alamat pengiriman bisa diubah atau pesanan bisa dibatalkan tanpa biaya selama kopi belum \
disangrai. Hubungi kami lewat chat ini dengan nomor pesanan Anda. Setelah kopi disangrai, \
pesanan tidak bisa dibatalkan lagi, tetapi alamat masih bisa diganti sebelum paket dikirim.""",
    ),
    "tracking": (
        "Tracking your parcel / Melacak paket",
        """When your parcel leaves the roastery we email you the tracking number (resi) and \
a link to the courier's tracking page. If the tracking has not moved for 3 days, or the \
parcel is marked delivered but you did not receive it, tell us and we will check with the \
courier.

Saat paket keluar dari roastery, kami mengirim nomor resi dan tautan pelacakan kurir ke \
email Anda. Jika status resi tidak berubah selama 3 hari, atau paket tertulis sudah \
diterima padahal belum sampai, beri tahu kami dan kami akan mengecek ke kurir.""",
    ),
    "wholesale": (
        "Wholesale for cafes and offices / Grosir untuk kafe dan kantor",
        """Cafes, restaurants and offices get wholesale prices from 5 kg per month, a free \
tasting session and help with espresso recipes. Ask for our wholesale price list in this \
chat or by email.

Kafe, restoran, dan kantor mendapat harga grosir mulai pembelian 5 kg per bulan, sesi \
cupping gratis, dan bantuan resep espresso. Minta daftar harga grosir kami lewat chat ini \
atau email.""",
    ),
    "vouchers": (
        "Vouchers and promo codes / Voucher dan kode promo",
        """Enter a promo code at checkout, in the "Voucher" field. One code can be used per \
order; codes cannot be combined and do not apply to subscriptions. An expired code shows an \
error at checkout. New customers get 10% off their first order with the code HALO10.

Masukkan kode promo saat checkout, di kolom "Voucher". Satu pesanan hanya bisa memakai satu \
kode; kode tidak bisa digabung dan tidak berlaku untuk langganan. Kode yang sudah kedaluwarsa \
akan memunculkan pesan error saat checkout. Pelanggan baru mendapat diskon 10% untuk \
pesanan pertama dengan kode HALO10.""",
    ),
}

QUESTIONS = [
    # English
    ("How long does delivery to Bali take?", "shipping"),
    ("Do you ship to Singapore?", "shipping"),
    ("How much is shipping to Surabaya?", "shipping"),
    ("Can I pay with GoPay?", "payment"),
    ("Is cash on delivery possible?", "payment"),
    ("I opened the bag but I don't like the taste, can I return it?", "returns"),
    ("The bag arrived torn, what should I do?", "returns"),
    ("When do you roast your coffee?", "roasting"),
    ("Should I keep the beans in the fridge?", "roasting"),
    ("Which grind should I choose for a French press?", "grind"),
    ("Can you grind the beans for my espresso machine?", "grind"),
    ("How do I pause my subscription?", "subscription"),
    ("Is there a discount if I subscribe?", "subscription"),
    ("I entered the wrong address, can I change it?", "changes"),
    ("Please cancel my order", "changes"),
    ("Where is my tracking number?", "tracking"),
    ("My parcel says delivered but I never got it", "tracking"),
    ("Do you offer wholesale prices for my cafe?", "wholesale"),
    ("My promo code doesn't work", "vouchers"),
    ("Can I use two vouchers on one order?", "vouchers"),
    # Indonesian
    ("Berapa lama pengiriman ke Makassar?", "shipping"),
    ("Ongkir ke Medan berapa ya?", "shipping"),
    ("Bisa bayar pakai OVO?", "payment"),
    ("Bisa COD nggak kak?", "payment"),
    ("Kopinya rusak waktu sampai, bisa diganti?", "returns"),
    ("Refund masuk berapa hari?", "returns"),
    ("Kapan kopinya disangrai?", "roasting"),
    ("Biji kopi sebaiknya disimpan di mana?", "roasting"),
    ("Gilingan untuk V60 yang cocok apa?", "grind"),
    ("Bisa pesan kopi yang sudah digiling?", "grind"),
    ("Cara berhenti langganan gimana?", "subscription"),
    ("Saya mau ganti alamat pengiriman", "changes"),
    ("Pesanan saya bisa dibatalkan?", "changes"),
    ("Nomor resi saya mana ya?", "tracking"),
    ("Paket saya belum sampai sudah 4 hari, resi tidak bergerak", "tracking"),
    ("Ada harga khusus untuk kafe?", "wholesale"),
    ("Kode promo saya tidak bisa dipakai", "vouchers"),
    ("Diskon untuk pembeli baru ada?", "vouchers"),
]

# Nothing above answers these: the AI must not answer them by itself.
UNANSWERABLE = [
    "Do you sell green tea?",
    "Are you hiring baristas?",
    "Can I visit your farm in Aceh?",
    "Is your packaging compostable?",
    "What is the caffeine content of decaf?",
    "Apakah ada lowongan kerja?",
    "Jual mesin espresso bekas?",
    "Apakah kopinya halal bersertifikat MUI?",
    "Bisa kirim pakai pesawat kargo ke Jepang?",
    "Jam buka toko offline di Jakarta?",
]
