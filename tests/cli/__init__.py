"""The command line, the processes of the Procfile, migrations and the database layer."""
