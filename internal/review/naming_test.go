package review

import (
	"strconv"
	"strings"
	"testing"

	"gitlab.com/heroku-deploy/heroku/internal/herokuapi"
)

func TestNameExamples(t *testing.T) {
	for _, tc := range []struct{ prefix, iid, want string }{
		{"myapp", "7", "myapp-mr-7"},
		{"a", "1", "a-mr-1"},
		{"shop-frontend", "1234", "shop-frontend-mr-1234"},
		// 30 characters exactly: no hash.
		{"abcdefghijklmnopqrstuvw", "12", "abcdefghijklmnopqrstuvw-mr-12"},
		{"abcdefghijklmnopqrstuvwx", "12", "abcdefghijklmnopqrstuvwx-mr-12"},
		// One more: cut and hashed. These names are what review apps
		// already running are called: the rule must never change.
		{"abcdefghijklmnopqrstuvwxy", "12", "abcdefghijklmnopq-69b980-mr-12"},
		// A cut that ends in a dash loses it.
		{"averylongprefix-x-of-the-team", "5", "averylongprefix-x-f5b843-mr-5"},
		{"customer-portal-frontend-web", "42", "customer-portal-f-5efa36-mr-42"},
		{"customer-portal-frontend-api", "42", "customer-portal-f-903557-mr-42"},
		{"p", "9999999999", "p-mr-9999999999"},
	} {
		got := Name(tc.prefix, tc.iid)
		if !herokuapi.ValidAppName(got) || len(got) > maxName {
			t.Errorf("Name(%q, %q) = %q: not a valid Heroku name", tc.prefix, tc.iid, got)
		}
		if got != tc.want {
			t.Errorf("Name(%q, %q) = %q, want %q", tc.prefix, tc.iid, got, tc.want)
		}
		if iid, ok := MR(tc.prefix, got); !ok || iid != tc.iid {
			t.Errorf("MR(%q, %q) = %q, %v; want %q", tc.prefix, got, iid, ok, tc.iid)
		}
	}
	// A hashed name keeps the start of the prefix and differs from that of
	// another prefix that starts alike.
	a, b := Name("customer-portal-frontend-web", "42"), Name("customer-portal-frontend-api", "42")
	if a == b || !strings.HasPrefix(a, "customer-portal") || !strings.HasPrefix(b, "customer-portal") {
		t.Errorf("long prefixes: %q and %q", a, b)
	}
}

func TestMRRefusesOtherNames(t *testing.T) {
	for _, tc := range []struct{ prefix, app string }{
		{"myapp", "myapp"},                // the production app
		{"myapp", "myapp-staging"},        // a sibling
		{"myapp", "myapp-mr-"},            // no IID
		{"myapp", "myapp-mr-07"},          // a leading zero
		{"myapp", "myapp-mr-0"},           // not an IID
		{"myapp", "myapp-mr-12345678901"}, // eleven digits
		{"myapp", "other-mr-7"},           // another prefix
		{"myapp", "xmyapp-mr-7"},
		{"myapp", "myapp-x-mr-7"}, // a longer prefix's app
		{"my", "myapp-mr-7"},
		{"myapp-mr-1", "myapp-mr-1"}, // the prefix's own name is not one of its apps
		{"a", "a-mr-1-mr-2"},         // that is prefix a-mr-1's
		{"MyApp", "myapp-mr-7"},      // an invalid prefix matches nothing
		{"averylongprefix-x-of-the-team", "averylongprefix-000000-mr-5"}, // a wrong hash
		{"averylongprefix-x-of-the-team", "averylongprefix-x-of-the-team-mr-5"},
	} {
		if iid, ok := MR(tc.prefix, tc.app); ok {
			t.Errorf("MR(%q, %q) = %q: want no match", tc.prefix, tc.app, iid)
		}
	}
	if iid, ok := MR("a-mr-1", "a-mr-1-mr-2"); !ok || iid != "2" {
		t.Errorf("MR(a-mr-1, a-mr-1-mr-2) = %q, %v", iid, ok)
	}
}

func TestChecks(t *testing.T) {
	for _, p := range []string{"a", "myapp", "my-app-2", strings.Repeat("a", maxPrefix)} {
		if err := CheckPrefix(p); err != nil {
			t.Errorf("CheckPrefix(%q): %v", p, err)
		}
	}
	for _, p := range []string{"a-abcdeg", "a-abcde", "a-1234567", "abcdef", "shop-decades", "x-0123456789"} {
		if err := CheckPrefix(p); err != nil {
			t.Errorf("CheckPrefix(%q): %v", p, err)
		}
	}
	for _, p := range []string{"", "-a", "a-", "1a", "My", "a_b", "a.b", "a b", strings.Repeat("a", maxPrefix+1),
		// What a cut and hashed name starts with: a literal one would name
		// another prefix's apps.
		"customer-portal-f-5efa36", "customer-portal-5efa36", "a-000000", "shop-facade", "x-0123456789-abcdef"} {
		if CheckPrefix(p) == nil {
			t.Errorf("CheckPrefix(%q) accepted it", p)
		}
	}
	for _, m := range []string{"1", "42", "9999999999"} {
		if err := CheckMR(m); err != nil {
			t.Errorf("CheckMR(%q): %v", m, err)
		}
	}
	for _, m := range []string{"", "0", "01", "-1", "1a", "!7", "12345678901", " 7"} {
		if CheckMR(m) == nil {
			t.Errorf("CheckMR(%q) accepted it", m)
		}
	}
}

// checkName is the naming rule's contract for one valid prefix and IID.
func checkName(t *testing.T, prefix, iid string) {
	t.Helper()
	got := Name(prefix, iid)
	if !herokuapi.ValidAppName(got) || len(got) > maxName {
		t.Fatalf("Name(%q, %q) = %q: not a valid Heroku app name", prefix, iid, got)
	}
	if again := Name(prefix, iid); again != got {
		t.Fatalf("Name(%q, %q) is not stable: %q then %q", prefix, iid, got, again)
	}
	if back, ok := MR(prefix, got); !ok || back != iid {
		t.Fatalf("MR(%q, Name(…) = %q) = %q, %v", prefix, got, back, ok)
	}
	if !strings.HasSuffix(got, "-mr-"+iid) || got[0] != prefix[0] {
		t.Fatalf("Name(%q, %q) = %q: want the prefix's start and -mr-%s", prefix, iid, got, iid)
	}
	if len(prefix)+len("-mr-")+len(iid) <= maxName && got != prefix+"-mr-"+iid {
		t.Fatalf("Name(%q, %q) = %q: a name that fits is not cut", prefix, iid, got)
	}
	// A name is cut and hashed, or literal, never both: the part before
	// -mr-IID ends in a dash and six hex digits exactly when it was cut,
	// and the literal prefix that looks like it is refused and matches
	// nothing.
	cut := len(prefix)+len("-mr-")+len(iid) > maxName
	start := strings.TrimSuffix(got, "-mr-"+iid)
	if hashedRE.MatchString(start) != cut {
		t.Fatalf("Name(%q, %q) = %q: cut %v, but its start %q looks cut %v", prefix, iid, got, cut, start, !cut)
	}
	if cut {
		if CheckPrefix(start) == nil {
			t.Fatalf("the look-alike prefix %q of %q is accepted", start, got)
		}
		if _, ok := MR(start, got); ok {
			t.Fatalf("the look-alike prefix %q matches %q, prefix %q's app", start, got, prefix)
		}
	}
}

// TestLookAlikePrefix: a literal prefix that looks like the start of a cut
// and hashed name (copied from an app's name) is refused, and matches none
// of the long prefix's apps.
func TestLookAlikePrefix(t *testing.T) {
	app := Name("customer-portal-frontend-web", "42")
	for _, p := range []string{"customer-portal-f-5efa36", strings.TrimSuffix(app, "-mr-42")} {
		if CheckPrefix(p) == nil {
			t.Errorf("CheckPrefix(%q) accepted it", p)
		}
		if iid, ok := MR(p, app); ok {
			t.Errorf("MR(%q, %q) = %q: a look-alike prefix matched another prefix's app", p, app, iid)
		}
	}
	if iid, ok := MR("customer-portal-frontend-web", app); !ok || iid != "42" {
		t.Errorf("the app's own prefix: %q, %v", iid, ok)
	}
	// docs/review.md's example: with merge request 4242 the cut is
	// "customer-portal", and the look-alike names the very same app.
	app = Name("customer-portal-frontend-web", "4242")
	if app != "customer-portal-5efa36-mr-4242" || CheckPrefix("customer-portal-5efa36") == nil {
		t.Errorf("%q, and the look-alike prefix is accepted", app)
	}
	if _, ok := MR("customer-portal-5efa36", app); ok {
		t.Errorf("customer-portal-5efa36 matches %s", app)
	}
}

// TestNameExhaustive: every prefix length, with dashes where a cut falls,
// against every IID length.
func TestNameExhaustive(t *testing.T) {
	for n := 1; n <= maxPrefix; n++ {
		for _, fill := range []string{"abc", "a-b", "a--", "z9-", "-abcdef", "-0f1e2d3", "a-12345"} {
			p := strings.TrimRight(("q" + strings.Repeat(fill, maxPrefix))[:n], "-")
			if CheckPrefix(p) != nil {
				continue
			}
			for d := 1; d <= maxIIDDigits; d++ {
				for _, lead := range []string{"1", "9"} {
					checkName(t, p, lead+strings.Repeat("0", d-1))
				}
			}
		}
	}
	// No two prefixes that start alike share a name.
	seen := map[string]string{}
	for i := range 2000 {
		p := "team-service-" + strconv.Itoa(i) + "-frontend"
		name := Name(p, "7")
		if other, dup := seen[name]; dup {
			t.Fatalf("%q and %q both name %q", p, other, name)
		}
		seen[name] = p
	}
}

func FuzzName(f *testing.F) {
	f.Add("myapp", uint64(7))
	f.Add("a", uint64(1))
	f.Add("customer-portal-frontend-web-with-a-long-name", uint64(9999999999))
	f.Add("x-------------------------------y", uint64(123))
	f.Fuzz(func(t *testing.T, prefix string, n uint64) {
		iid := strconv.FormatUint(n%9999999999+1, 10)
		if CheckPrefix(prefix) != nil {
			if _, ok := MR(prefix, "anything-mr-1"); ok {
				t.Fatalf("an invalid prefix %q matched", prefix)
			}
			return
		}
		checkName(t, prefix, iid)
		// A name with another IID, or another prefix, does not match.
		other := strconv.FormatUint(n%9999999998+2, 10)
		if other != iid {
			if back, ok := MR(prefix, Name(prefix, other)); !ok || back != other {
				t.Fatalf("MR(%q, %q) = %q, %v", prefix, Name(prefix, other), back, ok)
			}
		}
		if _, ok := MR(prefix+"x", Name(prefix, iid)); ok && Name(prefix+"x", iid) != Name(prefix, iid) {
			t.Fatalf("prefix %q matched %q", prefix+"x", Name(prefix, iid))
		}
	})
}

// FuzzNoCrossMatch: a prefix matches another prefix's app only when both
// name it, and never a literal name with a hashed one.
func FuzzNoCrossMatch(f *testing.F) {
	f.Add("customer-portal-frontend-web", "customer-portal-f-5efa36", uint64(42))
	f.Add("averylongprefix-x-of-the-team", "averylongprefix-x-f5b843", uint64(5))
	f.Add("myapp", "myapp-mr-1", uint64(2))
	f.Fuzz(func(t *testing.T, p, q string, n uint64) {
		iid := strconv.FormatUint(n%9999999999+1, 10)
		if CheckPrefix(p) != nil || p == q {
			return
		}
		app := Name(p, iid)
		back, ok := MR(q, app)
		if !ok {
			return
		}
		if CheckPrefix(q) != nil || Name(q, back) != app {
			t.Fatalf("MR(%q, %q) = %q, but %q does not name it", q, app, back, q)
		}
		pCut := len(p)+len("-mr-")+len(iid) > maxName
		qCut := len(q)+len("-mr-")+len(back) > maxName
		if !pCut || !qCut {
			t.Fatalf("prefixes %q (cut %v) and %q (cut %v) both name %q", p, pCut, q, qCut, app)
		}
	})
}
