// Starts Swagger UI on /docs (a file, not an inline script: the site's CSP forbids those).
//
// Swagger UI 5.33 and later draw the operations list "virtualized" once a document has 150 tags
// and operations together (swagger-api/swagger-ui#11024): only the rows in view exist in the
// page, so the browser's find-in-page, screen readers and links to an operation miss the others
// (swagger-api/swagger-ui#11056). The plugin below puts back the full list, drawn with Swagger
// UI's own components exactly as it draws documents under that size.
function listEveryOperation(system) {
  var h = system.React.createElement;
  function Operations(props) {
    var tagged = props.specSelectors.taggedOperations();
    if (tagged.size === 0) {
      return h("h3", null, " No operations defined in spec!");
    }
    var methods = props.specSelectors.validOperationMethods();
    var OperationTag = props.getComponent("OperationTag");
    var OperationContainer = props.getComponent("OperationContainer", true);
    return h("div", null, tagged.map(function (tagObj, tag) {
      var rows = tagObj.get("operations").map(function (op) {
        var path = op.get("path"), method = op.get("method");
        if (methods.indexOf(method) === -1) {
          return null;
        }
        return h(OperationContainer, {key: path + "-" + method, specPath: op.get("specPath"),
          op: op, path: path, method: method, tag: tag});
      }).toArray();
      return h(OperationTag, {key: "operation-" + tag, tagObj: tagObj, tag: tag,
        oas3Selectors: props.oas3Selectors, layoutSelectors: props.layoutSelectors,
        layoutActions: props.layoutActions, getConfigs: props.getConfigs,
        getComponent: props.getComponent, specUrl: props.specSelectors.url()},
        h("div", {className: "operation-tag-content"}, rows));
    }).valueSeq().toArray());
  }
  return {components: {operations: Operations}};
}

// validatorUrl null: the UI would otherwise ask validator.swagger.io to rate the document
window.ui = SwaggerUIBundle({url: "/openapi.json", dom_id: "#swagger-ui",
  presets: [SwaggerUIBundle.presets.apis], plugins: [listEveryOperation], layout: "BaseLayout",
  deepLinking: true, validatorUrl: null, tryItOutEnabled: false});
