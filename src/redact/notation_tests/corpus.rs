//! The table-driven corpus: one row per notation class, each with a unique canary. A row is
//! (class, text before, canary, text after); the output must be exactly the text before, the
//! replacement and the text after, so a row checks the detector fires, replaces exactly the canary's
//! span and leaves its surroundings alone.

use super::{enc, redact};
use crate::redact::scan::mask;
use std::collections::BTreeSet;
use std::net::IpAddr;

type Row = (&'static str, &'static str, &'static str, &'static str);

/// Secrets: scrubbed with and without --no-redact.
#[rustfmt::skip]
const SECRETS: &[Row] = &[
    ("nm psk", "[wifi-security]\nkey-mgmt=wpa-psk\npsk=", "CnryWifiPsk01", "\npsk-flags=0\n"),
    ("nm vpn password", "[vpn-secrets]\npassword=", "CnryVpnPass02", "\n"),
    ("nm leap-password", "[wifi-security]\nleap-password=", "CnryLeap03", "\n"),
    ("nm wep-key0", "wep-key0=", "CnryWep04abcd", "\nwep-key-type=1\n"),
    ("nm wep-key3", "wep-key3=", "CnryWep05", "\n"),
    ("nm wireguard private-key", "[wireguard]\nprivate-key=", "CnryWgNm06AAAA=", "\nprivate-key-flags=0\n"),
    ("nm 802-1x private-key-password", "[802-1x]\nprivate-key-password=", "CnryPkPass07", "\n"),
    ("nm gsm pin", "[gsm]\npin=", "73519", "\n"),
    ("nm vpn cookie", "[vpn-secrets]\ncookie=", "CnryCookie09xyz", "\ngwcert=pin-sha256:abc\n"),
    ("nm macsec mka-cak", "[macsec]\nmka-cak=", "0123456789abcdef0123456789abcd10", "\nmka-cak-flags=0\n"),
    ("nm macsec mka-ckn", "mka-ckn=", "fedcba9876543210fedcba98765432aa11", "\n"),
    ("nm wireguard-peer preshared-key", "[wireguard-peer.xTIBA5rbo]\npreshared-key=", "CnryNmPsk12=", "\npreshared-key-flags=0\n"),
    ("nm vpn-secrets Xauth password", "[vpn-secrets]\nXauth password=", "CnryXauth13", "\n"),
    ("nm vpn-secrets IPSec secret", "IPSec secret=", "CnryIpsec14", "\n"),
    ("wg PrivateKey", "[Interface]\nPrivateKey = ", "CnryWgPriv15AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "\nListenPort = 51820\n"),
    ("wg PresharedKey", "[Peer]\nPresharedKey = ", "CnryWgPsk16=", "\n"),
    ("wg show private key", "interface: wg0\n  private key: ", "CnryWgShow17=", "\n  listening port: 51820\n"),
    ("wpa_supplicant quoted psk", "network={\n\tssid=\"home\"\n\tpsk=\"", "Cnry wpa 18", "\"\n}\n"),
    ("wpa_supplicant wep_key1", "\twep_key1=", "CnryWep19", "\n"),
    ("hostapd wpa_passphrase", "wpa_passphrase=", "CnryHostapd20", "\n"),
    ("hostapd sae_password", "sae_password=", "CnrySae21", "\n"),
    ("ipsec.secrets PSK", ": PSK \"", "Cnry ipsec 22", "\"\n"),
    ("swanctl secret", "secrets {\n  ike-1 {\n    secret = ", "CnrySwan23", "\n  }\n}\n"),
    ("ExecStart --password VALUE", "ExecStart=/usr/bin/app --password ", "CnryExec24", " --verbose\n"),
    ("--passwd VALUE", "app --passwd ", "CnryPasswd25", "\n"),
    ("--token VALUE", "runner --token ", "CnryTok26xyz", " --url x\n"),
    ("--token=VALUE", "app --token=", "CnryTok27", " x\n"),
    ("--api-key VALUE", "app --api-key ", "CnryApi28", "\n"),
    ("--client-secret=VALUE", "app --client-secret=", "CnryCs29", "\n"),
    ("sshpass -p VALUE", "sshpass -p ", "CnrySshpass30", " ssh root@host\n"),
    ("sshpass -pVALUE", "/usr/bin/sshpass -p", "CnrySshpass31", " ssh h\n"),
    ("mysql -pVALUE", "mysql -u root -p", "CnryMysql32", " mydb\n"),
    ("mysqldump -p VALUE", "mysqldump -u root -p ", "CnryDump33", " --all-databases\n"),
    ("openconnect -p", "openconnect -p ", "CnryOc34", " vpn.example.org\n"),
    ("ipmitool -P", "ipmitool -I lanplus -H bmc -U admin -P ", "CnryIpmi35", " power status\n"),
    ("redis-cli -a", "redis-cli -h localhost -a ", "CnryRedis36", " ping\n"),
    ("curl -u user:pass", "curl -u alice:", "CnryCurl37", " https://example.org/\n"),
    ("smbclient -U user%pass", "smbclient //srv/share -U bob%", "CnrySmb38", "\n"),
    ("xfreerdp /p:", "xfreerdp /v:host /u:bob /p:", "CnryRdp39", " /f\n"),
    ("wpa_passphrase command", "wpa_passphrase HomeNet ", "CnryWpaCli40", "\n"),
    ("mosquitto_pub -P", "mosquitto_pub -h broker -u bob -P ", "CnryMqtt41", " -t x -m y\n"),
    ("bare token VALUE", "auth token ", "Cnry42tokvalue9", "\n"),
    ("netrc password", "machine example.org login bob password ", "cnrynetrc", "\n"),
    ("nmcli password", "nmcli device wifi connect HomeNet password ", "cnrynmcli", "\n"),
    ("nmcli wifi-sec.psk", "nmcli connection modify HomeNet wifi-sec.psk ", "CnryNmcliPsk45", "\n"),
    ("Set-Cookie header", "< Set-Cookie: ", "sid=CnrySetCookie46; Path=/; HttpOnly", "\n"),
    ("Cookie header", "> Cookie: ", "sid=CnryCookie47; lang=en", "\n"),
    ("Authorization Bearer", "Authorization: ", "Bearer CnryBearer48", "\n"),
    ("curl -H Authorization Basic", "curl -H 'Authorization: ", "Basic Q255cnk0OQ==", "' https://example.org/\n"),
    ("Proxy-Authorization", "Proxy-Authorization: ", "Basic Q255cnk1MA==", "\n"),
    ("JSON passcode", "{\"user\": \"x\", \"passcode\": \"", "CnryPasscode51", "\"}\n"),
    ("JSON secret", "{\"secret\": \"", "CnrySecret52", "\", \"id\": 1}\n"),
    ("JSON api_key", "{\"api_key\":\"", "CnryApiKey53", "\"}\n"),
    ("YAML api_key", "service:\n  api_key: ", "CnryYamlKey54", "\n  url: x\n"),
    ("YAML password on the next line", "db:\n  password:\n    ", "CnryNextLine55", "\n  host: x\n"),
    ("YAML block scalar", "password: |\n  ", "CnryBlock56a\n  CnryBlock56b", "\nuser: x\n"),
    ("prompt, answer on the next line", "Password:\n", "CnryPrompt57", "\n"),
    ("env MYSQL_PWD", "MYSQL_PWD=", "CnryPwd58", "\n"),
    ("env AWS_SECRET_ACCESS_KEY", "export AWS_SECRET_ACCESS_KEY=", "CnryAws59", "\n"),
    ("env GITHUB_TOKEN", "GITHUB_TOKEN=", "CnryGhEnv60", "\n"),
    ("sysctl tcp_fastopen_key", "net.ipv4.tcp_fastopen_key = ", "1a2b3c4d-5e6f7081-92a3b4c5-d6e7f861", "\n"),
    ("shadow sha512crypt", "root:$6$", "CnrySalt62$Z8vQ2hHq1cG6u5qfYw0yUuF4nF7yq2f8P0D6c4kM0oV9w1sJ3jE5r8tB7aL2xN", ":19700:0:99999:7:::\n"),
    ("shadow yescrypt", "bob:$y$", "j9T$CnrySalt63xx$3xY6M94c7o.9agCG9G317fhZg9SqC.5i5rd.RhAtQ7", ":19700::::::\n"),
    ("bcrypt", "hash $2b$", "12$CnryBcrypt64zzzzzzzzzuOPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW", "\n"),
    ("md5crypt", "user:$1$", "CnryMd5x$Zq7e4dQ6kN2h1GmP0vWc9/", ":0\n"),
    ("sha256crypt with rounds", "\"$5$", "rounds=5000$CnrySha256$kQz1Pz0.Xn2q", "\"\n"),
    ("argon2id", "stored $argon2id$", "v=19$m=65536,t=3,p=4$Q255cnk2Nw$CnryArgon67hashhashhash", " ok\n"),
    ("scrypt $7$", "x $7$", "CU..../....CnryScrypt68$hashhashhash", "\n"),
    ("gost-yescrypt", "x:$gy$", "j9T$CnryGost69$hashhashhash", ":\n"),
    ("LDAP {SSHA}", "hash {SSHA}", "Q255cnlTU0hBNzA=", "\n"),
    ("LDAP {CRYPT}", "x {CRYPT}", "$6$CnryLdap71$hashhashhashhash", "\n"),
    ("PEM private key", "-----BEGIN PRIVATE KEY-----\n", "MIIEvQCnry72\nABCDEF", "\n-----END PRIVATE KEY-----\n"),
    ("PEM EC private key", "-----BEGIN EC PRIVATE KEY-----\n", "MHcCAQEECnry73", "\n-----END EC PRIVATE KEY-----\n"),
    ("OpenSSH private key", "-----BEGIN OPENSSH PRIVATE KEY-----\n", "b3BlbnNzaCnry74", "\n-----END OPENSSH PRIVATE KEY-----\n"),
    ("encrypted PEM", "-----BEGIN ENCRYPTED PRIVATE KEY-----\n", "MIIFHDBOBgkqCnry75", "\n-----END ENCRYPTED PRIVATE KEY-----\n"),
    ("PEM escaped in a JSON string", "{\"key\": \"-----BEGIN RSA PRIVATE KEY-----", "\\nMIIEpCnry76\\nAQAB\\n", "-----END RSA PRIVATE KEY-----\\n\"}\n"),
    ("OpenVPN static key", "-----BEGIN OpenVPN Static key V1-----\n", "e5f3Cnry77a1b2", "\n-----END OpenVPN Static key V1-----\n"),
    ("URL userinfo http", "proxy=http://bob:", "CnryUrl78", "@proxy.example:3128/\n"),
    ("URL userinfo postgres", "DATABASE_URL=postgres://app:", "CnryPg79", "@db:5432/app\n"),
    ("https_proxy userinfo", "https_proxy=https://u:", "CnryHttps80", "@proxy:8080\n"),
    ("JWT", "got eyJ", "hbGciOiJIUzI1NiJ9.eyJzdWIiOiJDbnJ5ODEifQ.Cnry81sig", " end\n"),
    ("GitHub ghp_ token", "remote ghp_", "CnryGhp82aaaaaaaaaaaaaaaaaaaaaaaaaa", " x\n"),
    ("GitHub github_pat_ token", "pat github_pat_", "11ABCDEFG0Cnry83_aaaaaaaaaaaaaaaaaaaaaa", "\n"),
    ("GitLab glpat- token", "glpat-", "Cnry84aaaaaaaaaaaaaaaa", "\n"),
    ("Slack xoxb- token", "slack xoxb-", "1234-5678-Cnry85abcd", "\n"),
    ("Google AIza key", "key AIza", "SyCnry86aaaaaaaaaaaaaaaaaaaaaaaaaaa", "\n"),
    ("perl hash =>", "'password' => '", "CnryPerl87", "',\n"),
    ("later key owns one word", "mount -o user=bob password=", "CnryMount88", " quiet\n"),
    ("query string access_token", "GET /api?access_token=", "CnryQuery89", "&x=1 HTTP/1.1\n"),
    ("openssl -passin pass:", "openssl rsa -passin pass:", "CnryOpenssl90", " -in k.pem\n"),
    ("cifs mount options", "mount -t cifs -o username=bob,password=", "CnryCifs91", ",vers=3.0 //srv/x /mnt\n"),
    ("JSON client_secret", "{\"client_secret\":\"", "CnryCs92", "\"}\n"),
    ("X-Api-Key header", "X-Api-Key: ", "CnryXapi93", "\n"),
    ("wpa_supplicant private_key_passwd", "\tprivate_key_passwd=\"", "CnryPkp94", "\"\n"),
    ("YAML pin", "sim:\n  pin: ", "94713", "\n"),
    ("JSON pin number", "{\"pin\": ", "82461", ", \"x\": 1}\n"),
    ("YAML token (not a 32-bit number)", "github:\n  token: ", "Cnry97tokenvalue", "\n"),
    ("--password \"quoted value\"", "app --password \"", "Cnry 98 spaced", "\" --x\n"),
    ("journal line quoting ExecStart", "systemd[1]: app.service: ExecStart=/usr/bin/app --password ", "CnryJournal99", " -v (code=exited)\n"),
    ("bare password VALUE", "password ", "Cnry100ppp", "\n"),
    ("bare secret VALUE", "secret ", "Cnry101Sec!", "\n"),
    ("JSON Authorization", "{\"Authorization\": \"", "Bearer CnryJsonBearer102", "\"}\n"),
    ("credentials=", "credentials=", "CnryCred103", "\n"),
    ("--passphrase VALUE", "gpg --batch --passphrase ", "CnryGpg104", " -d f\n"),
    ("key = value with spaces", "psk = ", "CnryPskSpaces106", "\n"),
    ("URL userinfo ftp", "ftp://anonymous:", "CnryFtp107", "@ftp.example.org/pub\n"),
    ("sha1crypt", "h $sha1$", "40000$CnrySha1xx$hashhashhashhash", "\n"),
    ("JSON refresh_token", "{\"refresh_token\": \"", "CnryRefresh110", "\"}\n"),
    ("Pre-shared Key = (spaced key)", "Pre-shared Key = ", "CnryPreShared111", "\n"),
    ("password: same line", "  password: ", "CnryYamlPass112", "\n"),
    ("*-pwd key", "db-pwd=", "CnryDbPwd113", "\n"),
    ("curl --user=name:pass", "curl --user=alice:", "CnryCurl114", " https://example.org/\n"),
    ("URL userinfo: a token as the user", "git clone https://", "ghp_Cnry116aaaaaaaaaaaaaaaaaaaaaaaa:x-oauth-basic", "@github.com/o/r\n"),
    ("curl -u token:x", "curl -u ", "ghp_Cnry117aaaaaaaaaaaaaaaaaaaaaaaa:x-oauth-basic", " https://api.github.com/\n"),
    ("mariadb -p after other options", "ExecStart=/usr/bin/mariadb --host=db -u app -p", "CnryMaria115", " app\n"),
];

#[derive(Clone, Copy)]
enum Kind {
    V4,
    /// `ip-10-1-2-3`: an address written with dashes.
    V4Dashed,
    V6,
    /// A network: the replacement keeps zero host bits after /len.
    Net(u8),
    /// Hardware address(es): pseudonyms 1, 2, ... in the original's layout.
    Mac,
}
use Kind::*;

type IdRow = (&'static str, Kind, &'static str, &'static str, &'static str);

/// Identities: replaced when redaction is on.
#[rustfmt::skip]
const IDENTITIES: &[IdRow] = &[
    ("ipv4 in prose", V4, "bound to ", "10.83.1.17", " -- renewal in 1800 seconds\n"),
    ("ipv4:port", V4, "ESTAB 0 0 ", "10.83.1.18", ":443 127.0.0.1:5201\n"),
    ("ipv4/len host", V4, "inet ", "10.83.1.19", "/24 scope global eth0\n"),
    ("ipv4 network", Net(16), "", "10.84.0.0", "/16 via 127.0.0.1\n"),
    ("ipv4 glued by _", V4, "peer_", "10.83.1.20", "_x\n"),
    ("ipv4 then -word", V4, "", "10.83.1.21", "-eth0 up\n"),
    ("word- then ipv4", V4, "eth0-", "10.83.1.22", " up\n"),
    ("ipv4 after =", V4, "saddr4=", "10.83.1.23", " daddr4=127.0.0.1\n"),
    ("ipv4 in ()", V4, "(", "10.83.1.24", ")\n"),
    ("ipv4 in []", V4, "[", "10.83.1.25", "]\n"),
    ("ipv4 between /", V4, "/", "10.83.1.26", "/x\n"),
    ("ipv4 in ''", V4, "'", "10.83.1.27", "'\n"),
    ("ipv4 in \"\"", V4, "\"", "10.83.1.28", "\",\n"),
    ("ipv4 in a , list", V4, "dns=", "10.83.1.29", ",127.0.0.53;\n"),
    ("ipv4 after 'version'", V4, "version ", "10.83.1.30", "\n"),
    ("ipv4 after v", V4, "v", "10.83.1.31", "\n"),
    ("ipv4 after 'kernel:'", V4, "Nov 25 07:39:36 host kernel: ", "10.83.1.32", " is unreachable\n"),
    ("ipv4 tcpdump address.port", V4, "12:00:00.1 IP ", "10.83.1.33", ".443 > 127.0.0.1.51234: Flags [S]\n"),
    ("ipv4 range start", V4, "range ", "10.83.1.34", "-127.0.0.9\n"),
    ("ipv4 range end", V4, "range 127.0.0.1-", "10.83.1.35", "\n"),
    ("ipv4 last-octet range", V4, "pool ", "10.83.1.36", "-254\n"),
    ("ipv4 ending a sentence", V4, "server ", "10.83.1.37", ".\n"),
    ("ipv4-mapped ipv6", V4, "from ::ffff:", "10.83.1.38", " port 50122\n"),
    ("ipv4 dashed in a host name", V4Dashed, "resolved ip-", "10-83-1-39", ".ec2.internal\n"),
    ("ipv4 in JSON", V4, "{\"addr\":\"", "10.83.1.40", "\"}\n"),
    ("ipv4 glued to letters after", V4, "", "10.83.1.41", "x\n"),
    ("ipv4 glued to hex letters before", V4, "cafe", "10.83.1.42", " x\n"),
    ("ipv4 in a netfilter SRC=", V4, "SRC=", "10.83.1.43", " DST=127.0.0.1 LEN=60\n"),
    ("ipv4 after a package-like word", V4, "libfoo-", "10.83.1.44", " ok\n"),
    ("four-part kernel version that is an address", V4, "kernel ", "2.6.32.1", "\n"),
    ("ipv4 then -number (not a revision)", V4, "pkg ", "10.83.1.45", "-1\n"),
    ("ipv6 uncompressed", V6, "inet6 ", "2a01:cb00:91:0:0:0:0:5", "/64 scope global\n"),
    ("ipv6 compressed", V6, "addr ", "2a01:cb00:91::6", " dev eth0\n"),
    ("ipv6 ULA without a decimal digit", V6, "ss: ", "fdab:cdef::abcd", " x\n"),
    ("ipv6 link-local without a decimal digit", V6, "ll ", "febf::abcd", "\n"),
    ("ipv6 link-local in ss", V6, "ESTAB 0 0 [", "fe80::abcd", "%eth0]:22 [::1]:5\n"),
    ("ipv6 with hex words", V6, "peer ", "2a02:cafe::beef", "\n"),
    ("ipv6 [addr]:port", V6, "[", "2a01:cb00:91::7", "]:443\n"),
    ("ipv6 with a zone", V6, "", "2a01:cb00:91::8", "%wlan0\n"),
    ("ipv6 tcpdump address.port", V6, "IP6 ", "2a01:cb00:91::9", ".443 > ::1.51234: Flags [S]\n"),
    ("ipv6 glued key addr:", V6, "inet6 addr:", "2a01:cb00:91::b", "/64 Scope:Global\n"),
    ("ipv6 glued key src:", V6, "src:", "2a01:cb00:91::c", " x\n"),
    ("ipv6 glued by _", V6, "peer_", "2a01:cb00:91::d", "_x\n"),
    ("ipv6 network", Net(40), "", "2a01:cb00:9200::", "/40 dev eth0\n"),
    ("ipv6 upper case", V6, "", "2A01:CB00:91::E", " up\n"),
    ("ipv6 in JSON", V6, "{\"local\":\"", "2a01:cb00:91::f", "\"}\n"),
    ("ipv6 in a ; list", V6, "dns=", "2a01:cb00:91::10", ";\n"),
    ("ipv6 endpoint line", V6, "", "2a01:cb00:91::11", " id 2 signal dev wlan0\n"),
    ("ipv6 ULA", V6, "via ", "fd12:3456::1", "\n"),
    ("ipv6 glued by -", V6, "eth0-", "2a01:cb00:91::12", "-x\n"),
    ("mac link/ether", Mac, "link/ether ", "52:54:00:c4:7a:01", " brd ff:ff:ff:ff:ff:ff\n"),
    ("mac upper case", Mac, "ether ", "52:54:00:AB:CD:02", " txqueuelen 1000\n"),
    ("mac NetworkManager mac:", Mac, "unmanaged-devices=mac:", "52:54:00:c4:7a:03", ";interface-name:eth1\n"),
    ("netfilter MAC= link header", Mac, "[UFW BLOCK] IN=eth0 OUT= MAC=", "52:54:00:c4:7a:04:52:54:00:c4:7a:05", ":08:00 SRC=127.0.0.1 DST=127.0.0.1\n"),
    ("mac dashed upper case", Mac, "Physical Address: ", "52-54-00-C4-7A-06", "\n"),
    ("mac dashed", Mac, "mac ", "52-54-00-c4-7a-07", "\n"),
    ("mac Cisco dotted", Mac, "mac address ", "5254.00c4.7a08", " dynamic\n"),
    ("mac glued by _", Mac, "peer_", "52:54:00:c4:7a:09", "_x\n"),
    ("mac in ()", Mac, "(", "52:54:00:c4:7a:0a", ")\n"),
    ("mac ending a sentence", Mac, "associated with ", "52:54:00:c4:7a:0b", ".\n"),
    ("mac then :", Mac, "ether ", "52:54:00:c4:7a:0c", ": up\n"),
    ("eui-64", Mac, "eui64 ", "52:54:00:ff:fe:c4:7a:0d", "\n"),
    ("infiniband", Mac, "link/infiniband ", "80:00:00:48:fe:80:00:00:00:00:00:00:52:54:00:c4:7a:0e:00:01", " brd\n"),
    ("enx interface name", Mac, "dev enx", "525400c47a0f", " proto\n"),
    ("mac in match-device", Mac, "match-device=interface-name:eth0,mac:", "52:54:00:c4:7a:10", "\n"),
    ("mac keyfile mac-address=", Mac, "mac-address=", "52:54:00:C4:7A:11", "\n"),
    ("mac dashed after word-", Mac, "eth0-", "52-54-00-c4-7a-12", "\n"),
    ("mac in JSON", Mac, "{\"address\":\"", "52:54:00:c4:7a:13", "\"}\n"),
    ("mac HWaddr", Mac, "HWaddr ", "52:54:00:C4:7A:14", "\n"),
    ("mac in ''", Mac, "'", "52:54:00:c4:7a:15", "'\n"),
    ("mac after =", Mac, "mac=", "52:54:00:c4:7a:16", "\n"),
    ("mac in a , list", Mac, "macs=", "52:54:00:c4:7a:17", ",ff:ff:ff:ff:ff:ff\n"),
    ("mac Cisco upper case", Mac, "", "5254.00C4.7A18", " Gi0/1\n"),
    ("mac in []", Mac, "[", "52:54:00:c4:7a:19", "]\n"),
    ("mac between /", Mac, "hw/", "52:54:00:c4:7a:1a", "/x\n"),
];

/// Evidence: comes back byte-identical, identities on or off.
const EVIDENCE: &[&str] = &[
    "ESTAB  0      0      127.0.0.1:10001 127.0.0.1:38384",
    "\t subflows:1 subflows_max:2 remote_key token:2fa43e04 write_seq:9eb00423f3682bcc snd_una:9eb00423f3682bcc rcv_nxt:19972db9f521525d",
    "\t bbr wscale:10,10 rto:204 rtt:0.011/0.005 mss:52736 pmtu:65535 rcvmss:536 advmss:65483 cwnd:10 bytes_acked:1 segs_out:2 segs_in:2 bbr:(bw:0bps,mrtt:0.011,pacing_gain:1,cwnd_gain:1) send 383534545455bps lastsnd:2936 pacing_rate 680501197536bps delivered:1 app_limited rcv_space:65495 minrtt:0.011 snd_wnd:105472 tcp-ulp-mptcp flags:Jjec token:2fa43e04(id:0)/1f0cdd34(id:1) seq:9eb00423f3647bcc sfseq:0 ssnoff:4b8bb3f9 maplen:0",
    "LISTEN 0      4         127.0.0.1:10001   0.0.0.0:*     ino:12809 sk:1001 cgroup:unreachable:1 <->",
    "[       CREATED] token=1f0cdd34 remid=0 locid=0 saddr4=127.0.0.1 daddr4=127.0.0.1 sport=38384 dport=10001",
    "[SF_ESTABLISHED] token=2fa43e04 remid=1 locid=0 saddr4=127.0.0.1 daddr4=127.0.0.2 sport=10001 dport=55851 backup=0",
    "[        CLOSED] token=2fa43e04",
    "mptcp token 0x3a8e1f0c established, token 4026531839 closed, token: 1f0cdd34",
    "pm_nl_ctl ann 127.0.0.2 token 823451245 id 1 dev lo",
    "MPTCP token hash table entries: 8192 (order: 5, 196608 bytes, linear)",
    "127.0.0.2 id 1 subflow dev lo ",
    "::1 id 3 signal backup fullmesh dev lo ",
    "add_addr_accepted 0 subflows 2 ",
    "MPTcpExtMPCapableSYNRX          1                  0.0",
    "MPTcpExtMPJoinSynAckHMacFailure 0                  0.0",
    "TcpExtSyncookiesSent            0                  0.0",
    "net.mptcp.add_addr_timeout = 120",
    "net.mptcp.available_path_managers = kernel userspace",
    "net.ipv4.tcp_syncookies = 1",
    "net.ipv4.ping_group_range = 0\t2147483647",
    "Linux host-1 6.18.44-200.fc43.x86_64 #1 SMP PREEMPT_DYNAMIC Thu Nov 20 12:00:00 UTC 2025 x86_64 GNU/Linux",
    "Linux version 6.18.44-200.fc43.x86_64 (mockbuild@buildhost) (gcc (GCC) 15.2.1, GNU ld version 2.45-1.fc43) #1 SMP",
    "ip utility, iproute2-6.1.0, libbpf 1.46.0",
    "kernel 6.18.0-rc1 and 2.6.32-5-amd64, pkg 1.2.3.4-1ubuntu2 1.2.3.4+deb12u1 2.6.32.1-2.el6 1.2.3.4~rc1",
    "OID 1.3.6.1.4.1.2021.10 and 10.0.0.1.2.3, 1.2.3.4.99999, 010.001.002.003, 300.1.2.3",
    "[wifi-security]\nkey-mgmt=wpa-psk\npsk-flags=0\nmka-cak-flags=0\nwep-key-type=1\nmptcp-flags=0x3\npassword-flags=1",
    "uptime 12:34:56 at 2026-11-25T07:39:35.123456Z, 07:39:35.123, 1:2:3",
    "std::vector<int> a::b Foo::Bar dead::beef cafe:babe ab:cd :: x::",
    "RIP: 0010:mptcp_subflow_create_socket+0x1a/0x2c0 pci 0000:00:1f.6 deadbeef cafe",
    "00:11:22:33:44:55:66 00-11-22-33-44-55-66 0011.2233.4455.6677 52540000c47a11",
    "MD5:c1:5a:91:40:cf:8e:91:d0:1b:9e:6a:5d:bd:22:56:8d uuid 5b0c3a2e-6d1f-4c7e-9a51-0d2f6e8b7c11",
    "9eb00423f3682bcc19972db9f521525d x86_64 build-2024-01-15 rc-1-2-3",
    "fe80::/64 ff02::1 ::1 169.254.3.4 224.0.0.1 255.255.255.0 0.0.0.0 192.0.2.1 2001:db8::1",
    "00:00:00:00:00:00 ff:ff:ff:ff:ff:ff 01:00:5e:00:00:fb",
    "password   requisite   pam_pwquality.so retry=3\npassword [success=1 default=ignore] pam_unix.so",
    "Failed password for invalid user from 127.0.0.1 port 22 ssh2",
    "PasswordAuthentication no\nPermitEmptyPasswords no",
    "openconnect --passwd-on-stdin vpn.example.org\ndocker login --password-stdin\nansible --ask-pass x",
    "ssh -p 2222 host; iperf3 -c localhost -p 5201; ss -p; nc -p 1234 host",
    "echo \"$1$2\" $HOME ${PASS}",
    "https://github.com/multipath-tcp/mptcp_net-next/issues/1 ssh://git@github.com/x",
    "password=\npassword: ''\ntoken:\n  1f0cdd34",
    "db:\n  password:\n  host: x",
    "[sudo] password for bob:\nSorry, try again.",
    "MPTCP: token hash table, token bucket filter, secret key rotation",
];

fn pseudo(len: usize, n: u32) -> Vec<u8> {
    let mut p = vec![0u8; len];
    p[..3].copy_from_slice(&[0x02, 0x6d, 0x67]);
    p[len - 3..].copy_from_slice(&n.to_be_bytes()[1..]);
    p
}

/// `canary` with its hex digits replaced by pseudonyms 1, 2, ... of its length (6 bytes at a time for
/// a link header, else one address).
pub(super) fn macs(canary: &str) -> String {
    let digits = canary.bytes().filter(u8::is_ascii_hexdigit).count();
    let bytes: Vec<u8> = match digits / 2 {
        12 => [pseudo(6, 1), pseudo(6, 2)].concat(),
        n => pseudo(n, 1),
    };
    let upper = canary.bytes().any(|c| c.is_ascii_uppercase());
    let mut n = 0;
    canary
        .bytes()
        .map(|c| {
            if !c.is_ascii_hexdigit() {
                return c as char;
            }
            let v = if n % 2 == 0 {
                bytes[n / 2] >> 4
            } else {
                bytes[n / 2] & 15
            };
            n += 1;
            let d = char::from_digit(u32::from(v), 16).unwrap();
            if upper {
                d.to_ascii_uppercase()
            } else {
                d
            }
        })
        .collect()
}

fn expected(kind: Kind, canary: &str) -> String {
    match kind {
        V4 | V6 => enc(canary).unwrap_or_else(|| panic!("{canary} is a kept address")),
        V4Dashed => enc(&canary.replace('-', ".")).unwrap().replace('.', "-"),
        Net(len) => {
            let e: IpAddr = enc(canary).unwrap().parse().unwrap();
            mask(e, len).to_string()
        }
        Mac => macs(canary),
    }
}

#[test]
fn corpus_has_over_a_hundred_classes_with_unique_canaries() {
    let canaries: BTreeSet<&str> = SECRETS
        .iter()
        .map(|r| r.2)
        .chain(IDENTITIES.iter().map(|r| r.3))
        .collect();
    assert_eq!(canaries.len(), SECRETS.len() + IDENTITIES.len());
    let classes: BTreeSet<&str> = SECRETS
        .iter()
        .map(|r| r.0)
        .chain(IDENTITIES.iter().map(|r| r.0))
        .collect();
    assert_eq!(classes.len(), canaries.len());
    assert!(classes.len() >= 150, "{}", classes.len());
}

#[test]
fn every_secret_is_scrubbed_with_and_without_identity_redaction() {
    let mut failed = Vec::new();
    for &(class, before, canary, after) in SECRETS {
        let input = format!("{before}{canary}{after}");
        let want = format!("{before}[REDACTED]{after}");
        for identities in [true, false] {
            let got = redact(&input, identities);
            if got != want || got.contains(canary) {
                failed.push(format!(
                    "{class} (identities {identities}):\n  got  {got:?}\n  want {want:?}"
                ));
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn every_identity_is_replaced_in_place() {
    let mut failed = Vec::new();
    for &(class, kind, before, canary, after) in IDENTITIES {
        let input = format!("{before}{canary}{after}");
        let want = format!("{before}{}{after}", expected(kind, canary));
        let got = redact(&input, true);
        if got != want || got.to_lowercase().contains(&canary.to_lowercase()) {
            failed.push(format!("{class}:\n  got  {got:?}\n  want {want:?}"));
        }
        // Without identity redaction they stay.
        assert_eq!(redact(&input, false), input, "{class} (--no-redact)");
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}

#[test]
fn every_secret_of_one_command_is_found() {
    for (input, want) in [
        (
            "mysql --password=CnryA -pCnryB db; sshpass -p CnryC ssh -p 22 h",
            "mysql --password=[REDACTED] -p[REDACTED] db; sshpass -p [REDACTED] ssh -p 22 h",
        ),
        (
            "curl -u a:CnryD -H 'Authorization: Bearer CnryE' --proxy-user p:CnryF x",
            "curl -u a:[REDACTED] -H 'Authorization: [REDACTED]' --proxy-user p:[REDACTED] x",
        ),
        (
            "ExecStart=/usr/bin/app --token CnryG --password=CnryH --api-key \"CnryI J\"",
            "ExecStart=/usr/bin/app --token [REDACTED] --password=[REDACTED] --api-key \"[REDACTED]\"",
        ),
    ] {
        for identities in [true, false] {
            assert_eq!(redact(input, identities), want);
        }
    }
}

#[test]
fn evidence_comes_back_byte_identical() {
    let mut failed = Vec::new();
    for line in EVIDENCE {
        for identities in [true, false] {
            let got = redact(line, identities);
            if got != *line {
                failed.push(format!("  got  {got:?}\n  want {line:?}"));
            }
        }
    }
    assert!(failed.is_empty(), "{}", failed.join("\n"));
}
