#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# Throwaway certificates for the TLS sink tests, made in DIR with the
# openssl CLI: ca.pem (the test CA), server.pem/server.key (localhost and
# 127.0.0.1), client.pem/client.key, expired.pem/expired.key (a server
# certificate of the same CA that ended in 2020) and other-ca.pem (a CA that
# signed none of them). Nothing outside DIR is touched.
set -eu
d=$1
cd "$d"
q() { "$@" >/dev/null 2>&1 || { echo "tls-certs.sh: failed: $*" >&2; "$@"; exit 1; }; }

key() { q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

key ca.key
q openssl req -x509 -new -key ca.key -subj "/CN=privwatch test CA" -days 2 -out ca.pem \
	-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign
key other-ca.key
q openssl req -x509 -new -key other-ca.key -subj "/CN=privwatch other CA" -days 2 \
	-out other-ca.pem -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign

cat >ext.cnf <<'X'
[server]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost, IP:127.0.0.1
[client]
basicConstraints = CA:FALSE
keyUsage = digitalSignature, keyEncipherment
extendedKeyUsage = clientAuth
subjectAltName = DNS:privwatch-test-client
X

for n in server client; do
	key $n.key
	q openssl req -new -key $n.key -subj "/CN=privwatch test $n" -out $n.csr
	q openssl x509 -req -in $n.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
		-extfile ext.cnf -extensions $n -out $n.pem
done

# x509 -days cannot be negative: `openssl ca` takes dates in the past.
key expired.key
q openssl req -new -key expired.key -subj "/CN=privwatch test expired" -out expired.csr
mkdir -p ca.db
: >ca.db/index.txt
cat >ca.cnf <<X
[ca]
default_ca = test
[test]
dir = $d/ca.db
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
certificate = $d/ca.pem
private_key = $d/ca.key
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
X
echo 1000 >ca.db/serial
q openssl ca -batch -config ca.cnf -in expired.csr -startdate 20200101000000Z \
	-enddate 20200102000000Z -extfile ext.cnf -extensions server -out expired.pem -notext
