package herokusim

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"encoding/hex"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// blob is one object in the simulated S3 bucket behind POST /sources.
type blob struct {
	id       string
	expires  int64
	data     []byte
	uploaded bool
}

func (s *Server) createSource(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	b := &blob{id: s.id('d'), expires: s.now().Add(s.opts.URLTTL).Unix()}
	s.blobs[b.id] = b
	s.mu.Unlock()
	writeJSON(w, 201, map[string]any{"source_blob": map[string]string{
		"get_url": s.signedURL(r, "GET", b),
		"put_url": s.signedURL(r, "PUT", b),
	}})
}

// signedURL imitates an AWS SigV2 presigned URL: the signature covers the
// method, the object, the expiry and the (empty) Content-Type.
func (s *Server) signedURL(r *http.Request, method string, b *blob) string {
	exp := strconv.FormatInt(b.expires, 10)
	return fmt.Sprintf("http://%s/s3/%s?AWSAccessKeyId=ASIASIMULATOR&Expires=%s&Signature=%s",
		r.Host, b.id, exp, s.sign(method, b.id, exp, ""))
}

func s3Error(w http.ResponseWriter, status int, code, msg string, extra ...string) {
	w.Header().Set("Content-Type", "application/xml")
	w.WriteHeader(status)
	fmt.Fprintf(w, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>%s</Code><Message>%s</Message>", code, msg)
	for i := 0; i+1 < len(extra); i += 2 {
		fmt.Fprintf(w, "<%s>%s</%s>", extra[i], extra[i+1], extra[i])
	}
	fmt.Fprint(w, "</Error>\n")
}

// serveStorage enforces what S3 enforces on presigned URLs.
func (s *Server) serveStorage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("blob")
	s.mu.Lock()
	b := s.blobs[id]
	s.mu.Unlock()
	q := r.URL.Query()
	if r.Header.Get("Authorization") != "" {
		s3Error(w, 400, "InvalidArgument", "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified")
		return
	}
	if b == nil {
		s3Error(w, 404, "NoSuchKey", "The specified key does not exist.")
		return
	}
	exp := q.Get("Expires")
	if q.Get("Signature") != s.sign(r.Method, id, exp, r.Header.Get("Content-Type")) {
		s3Error(w, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided. Check your key and signing method.")
		return
	}
	if e, _ := strconv.ParseInt(exp, 10, 64); s.now().Unix() > e {
		s3Error(w, 403, "AccessDenied", "Request has expired")
		return
	}
	switch r.Method {
	case http.MethodPut:
		if len(r.TransferEncoding) > 0 {
			s3Error(w, 501, "NotImplemented", "A header you provided implies functionality that is not implemented", "Header", "Transfer-Encoding")
			return
		}
		if r.ContentLength < 0 {
			s3Error(w, 411, "MissingContentLength", "You must provide the Content-Length HTTP header.")
			return
		}
		data, err := io.ReadAll(io.LimitReader(r.Body, 5<<30))
		if err != nil || int64(len(data)) != r.ContentLength {
			s3Error(w, 400, "IncompleteBody", "You did not provide the number of bytes specified by the Content-Length HTTP header")
			return
		}
		s.mu.Lock()
		b.data, b.uploaded = data, true
		s.mu.Unlock()
		sum := md5.Sum(data)
		w.Header().Set("ETag", `"`+hex.EncodeToString(sum[:])+`"`)
		w.WriteHeader(200)
	case http.MethodGet:
		s.mu.Lock()
		data, ok := b.data, b.uploaded
		s.mu.Unlock()
		if !ok {
			s3Error(w, 404, "NoSuchKey", "The specified key does not exist.")
			return
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	default:
		s3Error(w, 405, "MethodNotAllowed", "The specified method is not allowed against this resource.")
	}
}

// fetchBlob resolves a source_blob.url the way Heroku's build system would:
// it must be a valid, unexpired GET URL of an uploaded object.
func (s *Server) fetchBlob(raw string) (*blob, error) {
	req, err := http.NewRequest("GET", raw, nil)
	if err != nil {
		return nil, fmt.Errorf("invalid source URL")
	}
	if len(req.URL.Path) <= len("/s3/") || req.URL.Path[:4] != "/s3/" {
		return nil, fmt.Errorf("unable to fetch source: 404 Not Found")
	}
	id := req.URL.Path[len("/s3/"):]
	q := req.URL.Query()
	s.mu.Lock()
	defer s.mu.Unlock()
	b := s.blobs[id]
	switch {
	case b == nil:
		return nil, fmt.Errorf("unable to fetch source: 404 Not Found")
	case q.Get("Signature") != s.sign("GET", id, q.Get("Expires"), ""):
		return nil, fmt.Errorf("unable to fetch source: 403 Forbidden")
	case !b.uploaded:
		return nil, fmt.Errorf("unable to fetch source: 404 Not Found (nothing was uploaded)")
	}
	if e, _ := strconv.ParseInt(q.Get("Expires"), 10, 64); time.Unix(e, 0).Before(s.now()) {
		return nil, fmt.Errorf("unable to fetch source: 403 Forbidden (expired)")
	}
	return b, nil
}

// readSource extracts the small files detection needs and the total size.
func readSource(tgz []byte) (map[string]string, int64, error) {
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, 0, fmt.Errorf("not a gzip archive")
	}
	tr := tar.NewReader(gz)
	files := map[string]string{}
	var total int64
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, 0, fmt.Errorf("corrupt tar archive: %v", err)
		}
		name := strings.TrimPrefix(h.Name, "./")
		if strings.HasPrefix(name, "/") || strings.Contains("/"+name+"/", "/../") {
			return nil, 0, fmt.Errorf("entry %q escapes the archive root", h.Name)
		}
		total += h.Size
		if h.Typeflag == tar.TypeReg && !strings.Contains(name, "/") && h.Size < 1<<20 {
			b, err := io.ReadAll(tr)
			if err != nil {
				return nil, 0, fmt.Errorf("corrupt tar archive: %v", err)
			}
			files[name] = string(b)
		}
	}
	if _, err := io.Copy(io.Discard, gz); err != nil {
		return nil, 0, fmt.Errorf("corrupt gzip stream: %v", err)
	}
	return files, total, nil
}

// SourceEntries lists the entries of the archive behind an app's latest
// build, one "mode size name[ -> target]" line each, so tests can see what a
// client uploaded.
func (s *Server) SourceEntries(appName string) ([]string, error) {
	s.mu.Lock()
	a := s.apps[appName]
	var data []byte
	if a != nil && len(a.builds) > 0 {
		if b := s.blobs[a.builds[len(a.builds)-1].blobID]; b != nil {
			data = b.data
		}
	}
	s.mu.Unlock()
	if data == nil {
		return nil, fmt.Errorf("no uploaded source for app %s", appName)
	}
	return listArchive(data)
}

func listArchive(tgz []byte) ([]string, error) {
	gz, err := gzip.NewReader(bytes.NewReader(tgz))
	if err != nil {
		return nil, err
	}
	tr := tar.NewReader(gz)
	var out []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		line := fmt.Sprintf("%s %d %s", h.FileInfo().Mode(), h.Size, h.Name)
		if h.Linkname != "" {
			line += " -> " + h.Linkname
		}
		out = append(out, line)
	}
}
