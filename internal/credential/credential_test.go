package credential

import "testing"

func TestCheckURL(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://api.heroku.com/":     true,
		"http://127.0.0.1:5000":       true,
		"http://localhost:5000":       true,
		"http://[::1]:5000":           true,
		"http://api.example.com":      false,
		"ftp://api.heroku.com":        false,
		"api.heroku.com":              false,
		"https://u:p@api.heroku.com":  false,
		"https://api.heroku.com/?x=1": false,
	} {
		if _, err := CheckURL("HEROKU_API_URL", raw, "the API key"); (err == nil) != ok {
			t.Errorf("CheckURL(%q): err=%v, want ok=%v", raw, err, ok)
		}
	}
}
