"""Write survey/admin/common_passwords.txt: passwords too common to allow.

    python tools/common_passwords.py          # rewrite the file
    python tools/common_passwords.py --check  # exit 1 if it is out of date

The list is the passwords that top every published leak list (English and Vietnamese),
common Vietnamese words, names and places, and the words of this very application,
each alone and with the digits, years and symbols people add. The policy
(survey/services/accounts/passwords.py) also strips digits and symbols around a
password before looking it up, so "Nghean@2031" is refused through "nghean".
"""
from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "survey" / "admin" / "common_passwords.txt"

#: The most common passwords of public leak lists, as they are.
TOP = """
123456 123456789 12345678 12345 1234567 1234567890 0123456789 12345678910 1234 111111
000000 00000000 11111111 88888888 66666666 99999999 123123 123123123 654321 987654321
666666 888888 112233 121212 123321 159753 147258369 123654789 1q2w3e4r 1q2w3e4r5t
1qaz2wsx qwerty qwerty123 qwertyuiop qwerty1 asdfgh asdfghjkl zxcvbnm zxcvbn qazwsx
password password1 password123 passw0rd p@ssw0rd p@ssword pass1234 iloveyou iloveu
admin admin123 admin1234 administrator root toor letmein welcome welcome1 welcome123
monkey dragon football baseball sunshine princess master shadow superman batman
trustno1 starwars whatever freedom computer internet secret changeme default guest
test test123 testing abc123 abc1234 abc12345 abc123456 abcd1234 abcdef abcdefgh
a123456 a12345678 a123456789 123456a 123456aa aa123456 123abc 123qwe qwe123 zaq12wsx
michael jennifer jordan hunter charlie andrew daniel thomas robert jessica ashley
login access flower hello hello123 google samsung nokia iphone facebook zalo yahoo
lovely loveyou love123 baby babygirl angel killer pokemon naruto doraemon
""".split()

#: Vietnamese: words for password, love, family, greetings, feelings, everyday words.
VIETNAMESE = """
matkhau matkhaumoi matkhaucu doimatkhau quenmatkhau dangnhap dangky taikhoan
anhyeuem emyeuanh yeuem yeuanh yeuemnhieu anhnhoem emnhoanh tinhyeu tinhyeucuatoi
hanhphuc giadinh bome chame meyeu bame conyeu concung vocon chongyeu voyeu
xinchao chaoban camon xinloi chucmung tambiet hihi haha hehe kaka
deptrai xinhdep xinhgai dethuong cute cuteo cutephomaique congchua hoangtu thiensu
khongbiet khongnho khongco quenroi buon buonqua codon nhotho
vietnam vietnamoi vietnamvodich tovietnam hanoi saigon hochiminh tphcm danang
haiphong cantho hue nghean vinh hatinh thanhhoa quangbinh quangtri quangnam
quangngai binhdinh phuyen khanhhoa nhatrang dalat lamdong daklak gialai kontum
bacninh bacgiang namdinh thaibinh ninhbinh hanam hungyen haiduong quangninh
langson caobang laocai yenbai sonla dienbien laichau hagiang tuyenquang thainguyen
phutho vinhphuc hoabinh binhduong dongnai vungtau baria tayninh longan tiengiang
bentre travinh vinhlong dongthap angiang kiengiang camau baclieu soctrang haugiang
trungtam vieclam dichvuvieclam ttdvvl dvvl baohiem thatnghiep baohiemthatnghiep
bhtn bhxh baohiemxahoi laodong sldtbxh khaosat hailong phieukhaosat nguoilaodong
quantri quantrivien quanly canbo vanphong vanthu ketoan thuky nhanvien giamdoc
truongphong phophong chuyenvien congchuc vienchuc coquan
""".split()

#: Common Vietnamese family names and given names, alone and as people write them together.
FAMILY = "nguyen tran le pham hoang huynh phan vu vo dang bui do ho ngo duong ly".split()
GIVEN = """
anh hung dung tuan minh thanh huong lan linh trang ngoc hoa mai hai nam long quang
duc hieu hoang huy khanh phuong thao thu thuy trung tu van viet yen nhung giang ha
hang hanh hien hong hue loan nga nhi oanh quynh tam tham trinh tien uyen vy son
""".split()
NAMES = """
minhanh ngocanh tuananh ducanh quanganh hoanganh vietanh lananh thuhuong thanhhuong
thuhang thuytien thanhtung vanhung manhhung quanghuy ngoclan hongnhung thanhthao
phuongthao ngocmai thanhmai bichngoc kimngoc thanhhai vanhai hoangyen thanhnam
duclong quangminh nhatminh hoangnam thanhdat tiendat vandung tridung thanhson
""".split()

#: Keyboard walks and sequences.
WALKS = """
qwertyui asdfghjk zxcvbnm1 1qazxsw2 qazwsxedc qweasdzxc 1q2w3e 1q2w3e4r5t6y
zaq1xsw2 !qaz2wsx 1234qwer qwer1234 asdf1234 1234asdf abcd123456 abc@123 abc@1234
aaaaaaaa aaaaaaaaaa 1111111111 0000000000 1122334455 1234512345 12341234
123456123456 098765 0987654321 147258 147852369 741852963 159357 135792468
""".split()

#: What people add at the end.
SUFFIXES = ["", "1", "12", "123", "1234", "12345", "123456", "123456789", "@", "!", "@123",
            "@1234", "123@", "123!", "2024", "2025", "2026", "2027", "@2025", "@2026"]


def entries() -> list[str]:
    words = TOP + VIETNAMESE + WALKS
    names = NAMES + [f + g for f in FAMILY for g in GIVEN]
    found = set(words) | set(names)
    for word in VIETNAMESE + TOP[:80] + NAMES:
        found.update(word + suffix for suffix in SUFFIXES)
    for year in range(1960, 2011):  # birth years after a name or a word
        found.update(f"{word}{year}" for word in ("anhyeuem", "matkhau", "vietnam", "iloveyou"))
    return sorted(found)


def render() -> str:
    header = ["# Passwords too common to allow, one a line, lower case.",
              "# Generated by tools/common_passwords.py; do not edit by hand."]
    return "\n".join(header + entries()) + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text("utf-8") != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run python tools/common_passwords.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {len(entries())} passwords")
    return 0


if __name__ == "__main__":
    sys.exit(main())
