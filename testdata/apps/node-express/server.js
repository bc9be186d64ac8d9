const express = require("express");

const app = express();
const port = process.env.PORT || 5001;

app.get("/", (req, res) => {
  res.send("Hello from Heroku, deployed by heroku-deploy\n");
});

app.listen(port, () => {
  console.log(`listening on ${port}`);
});
