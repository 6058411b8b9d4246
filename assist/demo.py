"""The demo shop's knowledge base (Kopi Nusantara, `/demo/`), in English and Indonesian:
what `manage.py seed_demo_knowledge` (and so `make run`) puts into an empty knowledge base."""

ARTICLES = [
    (
        "Shipping and delivery times",
        """We roast to order in Bandung and ship every order within 2 working days of roasting, \
with JNE or SiCepat. Delivery takes 1-2 days within Java and 2-5 days to Bali, Sumatra, \
Kalimantan, Sulawesi and Papua.

Shipping costs Rp 15.000 within Java and Rp 30.000 to other islands. Shipping is free for \
orders over Rp 300.000.

As soon as your parcel leaves the roastery we email you the tracking number (resi), so you \
can follow it on the courier's website.""",
    ),
    (
        "Pengiriman dan lama pengiriman",
        """Kopi kami disangrai sesuai pesanan di Bandung, dan setiap pesanan dikirim paling \
lambat 2 hari kerja setelah disangrai, lewat JNE atau SiCepat. Lama pengiriman 1-2 hari \
untuk Pulau Jawa dan 2-5 hari ke Bali, Sumatra, Kalimantan, Sulawesi, dan Papua.

Ongkos kirim (ongkir) Rp 15.000 untuk Pulau Jawa dan Rp 30.000 ke luar Jawa. Gratis \
ongkir untuk pesanan di atas Rp 300.000.

Begitu paket keluar dari roastery, kami kirimkan nomor resi lewat email agar Anda bisa \
melacak paket di situs kurir.""",
    ),
    (
        "Payment methods",
        """You can pay by bank transfer (BCA, Mandiri or BNI), QRIS, GoPay, OVO, or with a \
Visa or Mastercard credit card. We do not offer cash on delivery (COD).

An order paid by bank transfer is confirmed automatically within 15 minutes. Unpaid orders \
are cancelled after 24 hours.""",
    ),
    (
        "Cara pembayaran",
        """Pembayaran bisa lewat transfer bank (BCA, Mandiri, atau BNI), QRIS, GoPay, OVO, \
atau kartu kredit Visa dan Mastercard. Kami tidak melayani bayar di tempat (COD).

Pembayaran lewat transfer bank terkonfirmasi otomatis dalam 15 menit. Pesanan yang belum \
dibayar dibatalkan setelah 24 jam.""",
    ),
    (
        "Returns and refunds",
        """Unopened bags can be returned within 14 days of delivery for a full refund. \
Coffee is food, so we cannot take back opened bags.

If your beans arrive damaged or we sent the wrong coffee, send us a photo within 7 days and \
we replace the bag for free or refund you, as you prefer. Refunds reach your account within \
3-5 working days.""",
    ),
    (
        "Pengembalian dan refund",
        """Kemasan yang belum dibuka bisa dikembalikan dalam 14 hari setelah diterima, dengan \
pengembalian dana penuh. Kopi adalah produk makanan, jadi kemasan yang sudah dibuka tidak \
bisa dikembalikan.

Jika biji kopi tiba dalam keadaan rusak atau kami salah kirim, kirimkan foto dalam 7 hari \
dan kami ganti gratis atau kembalikan dana Anda, sesuai pilihan Anda. Dana masuk ke rekening \
Anda dalam 3-5 hari kerja.""",
    ),
    (
        "Roasting and freshness",
        """We roast on Mondays and Thursdays and ship within 2 days, so your coffee is always \
fresh. The roast date is printed on every bag.

Our roasts are light (fruity and bright, for filter coffee), medium (balanced, for any \
brew) and dark (chocolatey, for espresso and milk drinks). Enjoy the beans within 4 weeks \
of the roast date and keep them in an airtight container away from sunlight.""",
    ),
    (
        "Penyangraian dan kesegaran kopi",
        """Kami menyangrai kopi setiap Senin dan Kamis lalu mengirimnya dalam 2 hari, jadi \
kopi Anda selalu segar. Tanggal sangrai tercetak di setiap kemasan.

Tingkat sangrai kami: light (fruity dan segar, untuk kopi seduh manual), medium (seimbang, \
untuk semua cara seduh), dan dark (cokelat, untuk espresso dan kopi susu). Nikmati biji \
kopi dalam 4 minggu setelah tanggal sangrai dan simpan di wadah kedap udara, jauh dari \
sinar matahari.""",
    ),
]
