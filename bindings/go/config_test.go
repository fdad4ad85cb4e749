package webraft_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	webraft "github.com/webraft/webraft/bindings/go"
)

// selfSigned returns a fresh certificate and its private key, as PEM.
func selfSigned(t *testing.T) (certPEM, keyPEM string) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "webraft-go-test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})),
		string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}))
}

// readmeConfigKeys lists the keys of the README's "Client config keys" table.
func readmeConfigKeys(t *testing.T) []string {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, found := strings.Cut(string(readme), "## Client config keys")
	if !found {
		t.Fatal(`README.md has no "## Client config keys" section`)
	}
	table, _, _ = strings.Cut(table, "\n#")
	var keys []string
	for _, row := range regexp.MustCompile("(?m)^\\| (`[^|]+)\\|").FindAllStringSubmatch(table, -1) {
		for _, key := range regexp.MustCompile("`([a-z0-9_]+)`").FindAllStringSubmatch(row[1], -1) {
			keys = append(keys, key[1])
		}
	}
	slices.Sort(keys)
	return keys
}

func configKeys(t *testing.T, cfg webraft.Config) []string {
	body, err := json.Marshal(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range fields {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// The Config fields mirror the README's table of C config keys, and the
// library accepts every key Config writes.
func TestConfigMirrorsCKeys(t *testing.T) {
	cert, key := selfSigned(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if os.WriteFile(certFile, []byte(cert), 0o600) != nil || os.WriteFile(keyFile, []byte(key), 0o600) != nil {
		t.Fatal("cannot write the certificate files")
	}
	common := webraft.Config{
		APIKey: "k", BaseURL: "http://127.0.0.1:1/v1", Plan: "free", Organization: "o", Project: "p",
		DefaultHeaders: map[string]string{"X-A": "a"}, DefaultQuery: map[string]string{"q": "1"},
		Timeout: time.Second, ConnectTimeout: 1500 * time.Microsecond, HeadersTimeout: webraft.NoLimit,
		LoadingRetry: 5 * time.Second,
		IdleTimeout:  2 * time.Second, StreamTimeout: 3 * time.Second, MaxRetries: webraft.Retries(0),
		UserAgent: "ua", MaxBodyBytes: 1 << 20, MaxEventBytes: 1 << 16, MaxUploadBytes: 1 << 24,
		Proxy: "http://127.0.0.1:3128", DangerSkipTLSVerification: true, StreamUsage: true,
		HTTP2PriorKnowledge: true,
		Fallback:            []webraft.Endpoint{{BaseURL: "http://127.0.0.1:2/v1", APIKey: "k2"}, {Plan: "free", NoAPIKey: true}},
		Hedge:               250 * time.Millisecond,
	}
	// TLS material goes inline in one config and as files in the other.
	inline, files := common, common
	inline.CACertPEM, inline.ClientCertPEM, inline.ClientKeyPEM = cert, cert, key
	files.CACertFile, files.ClientCertFile, files.ClientKeyFile = certFile, certFile, keyFile

	written := append(configKeys(t, inline), configKeys(t, files)...)
	slices.Sort(written)
	written = slices.Compact(written)
	if documented := readmeConfigKeys(t); len(documented) < 16 || !slices.Equal(documented, written) {
		t.Errorf("README keys %v\nConfig keys %v", documented, written)
	}
	for _, cfg := range []webraft.Config{inline, files} {
		c, err := webraft.NewClient(cfg)
		if err != nil {
			t.Fatalf("the library refused a full config: %v", err)
		}
		c.Close()
	}

	body, _ := json.Marshal(common)
	var fields map[string]json.RawMessage
	json.Unmarshal(body, &fields)
	for k, want := range map[string]string{"timeout_ms": "1000", "connect_timeout_ms": "2", "headers_timeout_ms": "0", "max_retries": "0", "hedge_ms": "250"} {
		if string(fields[k]) != want {
			t.Errorf("%s = %s, want %s", k, fields[k], want)
		}
	}
	// The zero Config sends nothing, so every default applies.
	if body, _ := json.Marshal(webraft.Config{}); string(body) != "{}" {
		t.Errorf("zero Config = %s", body)
	}
}
