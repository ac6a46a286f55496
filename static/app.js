/* Behaviour htmx cannot express: drag-and-drop and upload progress. */
