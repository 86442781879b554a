"""The statement bank, questionnaire assembly and scoring."""
