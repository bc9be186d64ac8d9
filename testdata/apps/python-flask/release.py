"""Release phase: Heroku runs this after each build and before the new
release serves traffic (the Procfile's release: line). A real app would
migrate its database here; a failure here keeps the previous release live."""

print("release phase: nothing to migrate")
