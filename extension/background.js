// Clicking the toolbar button opens the side panel beside the article.
chrome.sidePanel.setPanelBehavior({ openPanelOnActionClick: true }).catch(function () {});
