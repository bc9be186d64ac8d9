import os

from flask import Flask

app = Flask(__name__)


@app.route("/")
def index():
    return "Hello from Heroku, deployed by heroku-deploy\n"


if __name__ == "__main__":
    app.run(port=int(os.environ.get("PORT", 5001)))
