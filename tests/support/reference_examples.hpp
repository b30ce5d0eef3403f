#pragma once

// Request bodies of the REST API reference (shared/seeds/001_*), as written.
namespace agentstudio::testing {

// "Create and Start Workflow": the three-step Customer Feedback Analysis.
inline constexpr const char* kCustomerFeedbackAnalysis = R"({
  "definition": {
    "id": "customer-analysis-workflow",
    "name": "Customer Feedback Analysis",
    "description": "Analyze customer feedback and generate insights",
    "pattern": "sequential",
    "steps": [
      {"id": "step1", "name": "Data Collection", "agentType": "data-collector",
       "configuration": {"source": "feedback_database", "limit": 1000}, "timeout": "00:05:00"},
      {"id": "step2", "name": "Sentiment Analysis", "agentType": "sentiment-analyzer",
       "dependsOn": ["step1"], "configuration": {"model": "bert-base", "threshold": 0.7}},
      {"id": "step3", "name": "Report Generation", "agentType": "report-generator",
       "dependsOn": ["step2"], "configuration": {"format": "pdf", "includeCharts": true}}
    ],
    "timeout": "00:30:00",
    "maxRetries": 3
  },
  "input": {
    "dateRange": {"start": "2025-09-01", "end": "2025-10-01"},
    "categories": ["product", "service", "support"]
  },
  "initiatedBy": "user@example.com"
})";

// The body of the reference's cURL example for creating a workflow.
inline constexpr const char* kCustomerAnalysisCurlBody = R"({
    "definition": {
      "id": "customer-analysis",
      "name": "Customer Analysis",
      "pattern": "sequential",
      "steps": [
        {
          "id": "collect",
          "name": "Collect Data",
          "agentType": "data-collector"
        },
        {
          "id": "analyze",
          "name": "Analyze Sentiment",
          "agentType": "sentiment-analyzer",
          "dependsOn": ["collect"]
        }
      ]
    },
    "input": {
      "source": "customer_feedback"
    }
  })";

}  // namespace agentstudio::testing
